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
    const find = jest.spyOn(keyStore.manager.getRepository(SubjectKey), 'find');
    try {
      const request = reader.subjects(TENANT_A);
      // Every field of every person, asked for at once, as resolvers do.
      const ciphers = await Promise.all(subjects.flatMap((subject) => [request.cipher(subject), request.cipher(subject), request.cipher(subject)]));
      expect(ciphers.every((cipher) => cipher !== null)).toBe(true);
      expect(find).toHaveBeenCalledTimes(1);
      await Promise.all(subjects.map((subject) => reader.subjects(TENANT_A).cipher(subject)));
      expect(find).toHaveBeenCalledTimes(1);
    } finally {
      find.mockRestore();
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
    const repository = keyStore.manager.getRepository(SubjectKey);
    const original = repository.find.bind(repository);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const find = jest.spyOn(repository, 'find').mockImplementationOnce(async (options) => {
      const rows = await original(options);
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
