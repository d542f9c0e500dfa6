import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ciphertextVersion, FieldCipher, SUBJECT_KEY_VERSION, TENANT_KEY_VERSION } from '../../subgraphs/kit/crypto/field-cipher';
import { Keyring } from '../../subgraphs/kit/crypto/keyring';
import { buildKeyStore } from '../../subgraphs/kit/crypto/key-store';
import { LocalMasterKeys } from '../../subgraphs/kit/crypto/master-keys';
import { SubjectKey } from '../../subgraphs/kit/crypto/subject-key.entity';
import { TenantDataKey } from '../../subgraphs/kit/crypto/tenant-data-key.entity';
import { newId } from '../../subgraphs/kit/tenant-entity';
import { TenantRepository } from '../../subgraphs/kit/tenant-repository';
import { LocalAccessEvents, type TenantVersions } from '../../platform/access-events';
import { StatementCounter } from '../helpers/statement-counter';

let dir: string;
let data: DataSource;
let keyStore: DataSource;
const master = new LocalMasterKeys(LocalMasterKeys.generate('unit'));
const TENANT_A = newId();
const TENANT_B = newId();

/** A fresh process's keyring (nothing cached) over the same databases. */
const keyring = () => new Keyring(data, master, keyStore);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-subject-keys-'));
  data = await new DataSource({ type: 'better-sqlite3', database: path.join(dir, 'data.sqlite'), entities: [TenantDataKey], synchronize: true }).initialize();
  keyStore = await buildKeyStore({ subgraph: 'identity', dataDir: dir }).initialize();
});
afterAll(async () => {
  await data?.destroy();
  await keyStore?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const keyRows = () => keyStore.getRepository(SubjectKey);

describe('FieldCipher versions', () => {
  const key = randomBytes(32);
  const index = randomBytes(32);
  const tenant = new FieldCipher(key, index);
  const person = new FieldCipher(randomBytes(32), index, SUBJECT_KEY_VERSION);

  it('tags each ciphertext with the kind of key it is under, and refuses the other kind', () => {
    const v1 = tenant.encrypt('hello', 'ctx');
    const s1 = person.encrypt('hello', 'ctx');
    expect([ciphertextVersion(v1), ciphertextVersion(s1)]).toEqual([TENANT_KEY_VERSION, SUBJECT_KEY_VERSION]);
    expect(tenant.decrypt(v1, 'ctx')).toBe('hello');
    expect(person.decrypt(s1, 'ctx')).toBe('hello');
    expect(() => tenant.decrypt(s1, 'ctx')).toThrow();
    expect(() => person.decrypt(v1, 'ctx')).toThrow();
    // Same tag, other key: still refused (an attacker cannot relabel a value).
    expect(() => new FieldCipher(randomBytes(32), index, SUBJECT_KEY_VERSION).decrypt(s1, 'ctx')).toThrow();
    expect(() => tenant.decrypt(`s1${v1.slice(2)}`, 'ctx')).toThrow();
  });

  it('binds the context and detects tampering anywhere', () => {
    const s1 = person.encrypt('Ada Lovelace', 'end_users/t/u/firstName');
    expect(() => person.decrypt(s1, 'end_users/t/u/lastName')).toThrow();
    const [version, iv, body] = s1.split('.');
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] ^= 1;
    expect(() => person.decrypt(`${version}.${iv}.${flipped.toString('base64url')}`, 'end_users/t/u/firstName')).toThrow();
    expect(() => person.decrypt(`${version}.${iv}`, 'end_users/t/u/firstName')).toThrow();
  });

  it('keeps blind indexes the same for every person of a tenant, so lookups work across people', () => {
    expect(person.blindIndex('+14155550123', 'phone')).toBe(tenant.blindIndex('+14155550123', 'phone'));
  });
});

describe('SubjectKeys', () => {
  it('creates one key per person on first write, stored only wrapped, and reuses it', async () => {
    const subject = newId();
    const keys = keyring().subjects(TENANT_A);
    expect(await keys.cipher(subject)).toBeNull();
    const sealed = await keys.encrypt(subject, 'secret', 'ctx');
    expect(ciphertextVersion(sealed)).toBe(SUBJECT_KEY_VERSION);
    const rows = await keyRows().findBy({ subjectId: subject });
    expect(rows).toHaveLength(1);
    expect(rows[0].tenantId).toBe(TENANT_A);
    expect(rows[0].wrappedKey.startsWith(`${TENANT_KEY_VERSION}.`)).toBe(true);
    // Another process reads it back; a second write reuses it.
    const elsewhere = keyring().subjects(TENANT_A);
    expect(await elsewhere.decrypt(subject, sealed, 'ctx')).toBe('secret');
    await elsewhere.cipherForWrite(subject);
    expect(await keyRows().countBy({ subjectId: subject })).toBe(1);
  });

  it('two processes creating the same person’s key at once end up with one key both can use', async () => {
    const subject = newId();
    const [a, b] = await Promise.all([keyring().subjects(TENANT_A).cipherForWrite(subject), keyring().subjects(TENANT_A).cipherForWrite(subject)]);
    expect(await keyRows().countBy({ subjectId: subject })).toBe(1);
    expect(b.decrypt(a.encrypt('x', 'c'), 'c')).toBe('x');
  });

  it('reads a page of people’s keys in one key-store query, and none for repeated fields or later requests', async () => {
    const subjects = Array.from({ length: 30 }, () => newId());
    const writer = keyring();
    for (const subject of subjects) await writer.subjects(TENANT_A).cipherForWrite(subject);
    const reader = keyring();
    const counter = new StatementCounter({ keys: keyStore });
    try {
      const request = reader.subjects(TENANT_A);
      // Every field of every person, asked for at once, as resolvers do.
      const ciphers = await Promise.all(subjects.flatMap((subject) => [request.cipher(subject), request.cipher(subject), request.cipher(subject)]));
      expect(ciphers.every((cipher) => cipher !== null)).toBe(true);
      expect(counter.counts.keys).toBe(1);
      await Promise.all(subjects.map((subject) => reader.subjects(TENANT_A).cipher(subject)));
      expect(counter.counts.keys).toBe(1);
    } finally {
      counter.close();
    }
  });

  it('destroying a person’s key removes it from the store and every cache; nothing sealed under it opens again', async () => {
    const subject = newId();
    const other = newId();
    const process = keyring();
    const request = process.subjects(TENANT_A);
    const sealed = await request.encrypt(subject, 'erase me', 'ctx');
    const kept = await request.encrypt(other, 'keep me', 'ctx');
    expect(await request.destroy([subject])).toBe(1);
    expect(await keyRows().countBy({ subjectId: subject })).toBe(0);
    expect(await request.decrypt(subject, sealed, 'ctx')).toBeNull();
    expect(await process.subjects(TENANT_A).decrypt(subject, sealed, 'ctx')).toBeNull();
    expect(await keyring().subjects(TENANT_A).decrypt(subject, sealed, 'ctx')).toBeNull();
    expect(await request.decrypt(other, kept, 'ctx')).toBe('keep me');
    // A later write makes a new key: the old ciphertexts stay unreadable.
    await request.cipherForWrite(subject);
    await expect(request.decrypt(subject, sealed, 'ctx')).rejects.toThrow();
    expect(await request.destroy([subject])).toBe(1);
    expect(await request.destroy([subject])).toBe(0);
  });

  it('a read racing a destruction does not put the destroyed key back in the cache', async () => {
    const subject = newId();
    const process = keyring();
    await keyring().subjects(TENANT_A).cipherForWrite(subject);
    const original = TenantRepository.prototype.findIn;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const find = jest.spyOn(TenantRepository.prototype, 'findIn').mockImplementationOnce(async function (this: TenantRepository<any>, column, values) {
      const rows = await original.call(this, column, values);
      await gate;
      return rows;
    });
    try {
      const reading = process.subjects(TENANT_A).cipher(subject);
      await new Promise((resolve) => setImmediate(resolve));
      await process.subjects(TENANT_A).destroy([subject]);
      release();
      expect(await reading).not.toBeNull();
      expect(process.subjectCache.has(`${TENANT_A}/${subject}`)).toBe(false);
      expect(await process.subjects(TENANT_A).cipher(subject)).toBeNull();
    } finally {
      find.mockRestore();
    }
  });

  it('keeps tenants apart: another tenant neither sees a person’s key nor can unwrap it', async () => {
    const subject = newId();
    const sealed = await keyring().subjects(TENANT_A).encrypt(subject, 'tenant a only', 'ctx');
    const b = keyring().subjects(TENANT_B);
    expect(await b.cipher(subject)).toBeNull();
    expect(await b.decrypt(subject, sealed, 'ctx')).toBeNull();
    expect(await b.destroy([subject])).toBe(0);
    expect(await keyRows().countBy({ subjectId: subject })).toBe(1);
    // The row moved to tenant B (a tampered key store) does not unwrap there.
    const row = await keyRows().findOneByOrFail({ subjectId: subject });
    await keyRows().save(keyRows().create({ id: newId(), tenantId: TENANT_B, subjectId: subject, wrappedKey: row.wrappedKey }));
    await expect(keyring().subjects(TENANT_B).cipher(subject)).rejects.toThrow();
  });

  it('binds each wrapped key to its person: a key row copied to another person does not unwrap', async () => {
    const [owner, target] = [newId(), newId()];
    const sealed = await keyring().subjects(TENANT_A).encrypt(owner, 'mine', 'ctx');
    const row = await keyRows().findOneByOrFail({ subjectId: owner });
    await keyRows().save(keyRows().create({ id: newId(), tenantId: TENANT_A, subjectId: target, wrappedKey: row.wrappedKey }));
    await expect(keyring().subjects(TENANT_A).decrypt(target, sealed, 'ctx')).rejects.toThrow();
  });

  it('still opens values written under the tenant key before per-person keys, and refuses unknown tags', async () => {
    const tenant = await keyring().cipherFor(TENANT_A);
    const legacy = tenant.encrypt('old value', 'ctx');
    expect(await keyring().subjects(TENANT_A).decrypt(newId(), legacy, 'ctx')).toBe('old value');
    await expect(keyring().subjects(TENANT_A).decrypt(newId(), `v9${legacy.slice(2)}`, 'ctx')).rejects.toThrow(/unrecognised/);
  });

  it('is unavailable without a key store rather than falling back to the tenant key', () => {
    expect(() => new Keyring(data, master).subjects(TENANT_A)).toThrow(/no key store/);
  });

  it('leaves no byte of a destroyed key in the key store file', async () => {
    const subject = newId();
    await keyring().subjects(TENANT_A).cipherForWrite(subject);
    const { wrappedKey } = await keyRows().findOneByOrFail({ subjectId: subject });
    const file = path.join(dir, 'identity-keys.sqlite');
    expect(fs.readFileSync(file).includes(Buffer.from(wrappedKey))).toBe(true);
    await keyring().subjects(TENANT_A).destroy([subject]);
    const leftovers = fs.readdirSync(dir).filter((name) => name.startsWith('identity-keys')).filter((name) => fs.readFileSync(path.join(dir, name)).includes(Buffer.from(wrappedKey)));
    expect(leftovers).toEqual([]);
  });
});

describe('cached keys across processes', () => {
  /** Stands in for the deployment's shared store (Redis): one per test, shared by its "processes". */
  const shared = () => new LocalAccessEvents();
  const processOn = (versions: TenantVersions) => new Keyring(data, master, keyStore, versions);

  it('never serves a key another process destroyed, though its own cache still holds it', async () => {
    const versions = shared();
    const [erasing, serving] = [processOn(versions), processOn(versions)];
    const subject = newId();
    const sealed = await erasing.subjects(TENANT_A).encrypt(subject, 'erase me', 'ctx');
    expect(await serving.subjects(TENANT_A).decrypt(subject, sealed, 'ctx')).toBe('erase me');
    const counter = new StatementCounter({ keys: keyStore });
    try {
      // Warm: served from the cache, no key-store read.
      expect(await serving.subjects(TENANT_A).decrypt(subject, sealed, 'ctx')).toBe('erase me');
      expect(counter.counts.keys).toBe(0);
      await erasing.subjects(TENANT_A).destroy([subject]);
      // Nothing told the serving process; its cache still has the key, at a version now stale.
      expect(serving.subjectCache.has(`${TENANT_A}/${subject}`)).toBe(true);
      expect(await serving.subjects(TENANT_A).decrypt(subject, sealed, 'ctx')).toBeNull();
      expect(await serving.subjects(TENANT_A).cipher(subject)).toBeNull();
    } finally {
      counter.close();
    }
  });

  it('keeps other people’s cached keys usable after one destruction, once re-read', async () => {
    const versions = shared();
    const [erasing, serving] = [processOn(versions), processOn(versions)];
    const [gone, kept] = [newId(), newId()];
    await erasing.subjects(TENANT_A).cipherForWrite(gone);
    const sealed = await erasing.subjects(TENANT_A).encrypt(kept, 'keep me', 'ctx');
    await serving.subjects(TENANT_A).decrypt(kept, sealed, 'ctx');
    await erasing.subjects(TENANT_A).destroy([gone]);
    expect(await serving.subjects(TENANT_A).decrypt(kept, sealed, 'ctx')).toBe('keep me');
    // Re-cached at the new version: the next request reads no key store.
    const counter = new StatementCounter({ keys: keyStore });
    try {
      expect(await serving.subjects(TENANT_A).decrypt(kept, sealed, 'ctx')).toBe('keep me');
      expect(counter.counts.keys).toBe(0);
    } finally {
      counter.close();
    }
  });

  it('a read in another process racing the destruction caches the key at a version no later request reads', async () => {
    const versions = shared();
    const [erasing, serving] = [processOn(versions), processOn(versions)];
    const subject = newId();
    await erasing.subjects(TENANT_A).cipherForWrite(subject);
    const original = TenantRepository.prototype.findIn;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const find = jest.spyOn(TenantRepository.prototype, 'findIn').mockImplementationOnce(async function (this: TenantRepository<any>, column, values) {
      const rows = await original.call(this, column, values);
      await gate;
      return rows;
    });
    try {
      const reading = serving.subjects(TENANT_A).cipher(subject);
      await new Promise((resolve) => setImmediate(resolve));
      await erasing.subjects(TENANT_A).destroy([subject]);
      release();
      // The request that read it before the deletion may finish with it; no later one.
      expect(await reading).not.toBeNull();
      expect(await serving.subjects(TENANT_A).cipher(subject)).toBeNull();
    } finally {
      find.mockRestore();
    }
  });

  it('uses no cached key while the key version cannot be read', async () => {
    const unreadable: TenantVersions = { tenantVersion: async () => null, bumpTenantVersion: async () => undefined };
    const serving = processOn(unreadable);
    const subject = newId();
    const sealed = await keyring().subjects(TENANT_A).encrypt(subject, 'secret', 'ctx');
    const counter = new StatementCounter({ keys: keyStore });
    try {
      expect(await serving.subjects(TENANT_A).decrypt(subject, sealed, 'ctx')).toBe('secret');
      expect(await serving.subjects(TENANT_A).decrypt(subject, sealed, 'ctx')).toBe('secret');
      expect(counter.counts.keys).toBe(2);
      expect(serving.subjectCache.has(`${TENANT_A}/${subject}`)).toBe(false);
    } finally {
      counter.close();
    }
  });

  it('destroys nothing when the key version cannot be bumped (the erasure is retried)', async () => {
    const failing: TenantVersions = {
      tenantVersion: async () => '0',
      bumpTenantVersion: async () => {
        throw new Error('store unreachable');
      },
    };
    const subject = newId();
    await keyring().subjects(TENANT_A).cipherForWrite(subject);
    await expect(processOn(failing).subjects(TENANT_A).destroy([subject])).rejects.toThrow('store unreachable');
    expect(await keyRows().countBy({ subjectId: subject })).toBe(1);
  });
});

