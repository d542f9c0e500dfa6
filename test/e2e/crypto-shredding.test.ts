import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { EndUser } from '../../subgraphs/identity/entities/end-user.entity';
import { ENCRYPTED_FIELDS, EndUserCodec } from '../../subgraphs/identity/services/end-user-codec';
import { backfillEndUserKeys } from '../../subgraphs/identity/services/subject-key-backfill.service';
import { Interaction } from '../../subgraphs/interactions/entities/interaction.entity';
import { TranscriptSegment } from '../../subgraphs/interactions/entities/transcript-segment.entity';
import { RetentionService } from '../../subgraphs/interactions/services/retention.service';
import { backfillTranscriptKeys } from '../../subgraphs/interactions/services/subject-key-backfill.service';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/kit/config';
import { ciphertextVersion, FieldCipher, SUBJECT_KEY_VERSION, TENANT_KEY_VERSION } from '../../subgraphs/kit/crypto/field-cipher';
import { keyStoreDatabase } from '../../subgraphs/kit/crypto/key-store';
import { LocalMasterKeys } from '../../subgraphs/kit/crypto/master-keys';
import { SubjectKey } from '../../subgraphs/kit/crypto/subject-key.entity';
import { mysqlTarget } from '../../subgraphs/kit/data-source';
import { TenantScope } from '../../subgraphs/kit/tenant-repository';
import { seededStack, type SeededStack } from '../helpers/stack';

let world: SeededStack;
let admin: string;
let officer: string;
const mysql = Boolean(process.env.DATABASE_URL);

const PROFILE = 'id firstName lastName email phone ssn dateOfBirth gender maritalStatus address { line1 city postalCode country } geolocation { latitude longitude }';
const CREATE = `mutation($input: CreateEndUserInput!) { createEndUser(input: $input) { ${PROFILE} } }`;
const READ = `query($id: ID!) { endUser(id: $id) { ${PROFILE} interactions { edges { node { id transcript { edges { node { text } } } } } } } }`;
const RECORD = 'mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { id } }';
const APPEND = 'mutation($id: ID!, $segments: [TranscriptSegmentInput!]!) { appendTranscriptSegments(interactionId: $id, segments: $segments) { appended } }';
const TRANSCRIPT = 'query($id: ID!) { interaction(id: $id) { transcript { edges { node { text } } } } }';
const REQUEST = 'mutation($input: CreatePrivacyRequestInput!) { createPrivacyRequest(input: $input) { id status } }';

/** A person whose every value is unique to this run, so finding any of them anywhere means a leak. */
function newPerson() {
  const tag = randomBytes(4).toString('hex');
  const digits = String(parseInt(tag, 16) % 10_000_000).padStart(7, '0');
  return {
    input: {
      firstName: `Quillon${tag}`,
      lastName: `Vaskerby${tag}`,
      email: `quillon.${tag}@shred.example`,
      phone: `+1202${digits}`,
      ssn: `${String(100 + (parseInt(tag.slice(0, 2), 16) % 500))}-${String(10 + (parseInt(tag.slice(2, 4), 16) % 89))}-${String(1000 + (parseInt(tag.slice(4), 16) % 8999))}`,
      dateOfBirth: '1961-07-23',
      gender: 'FEMALE',
      maritalStatus: 'WIDOWED',
      address: { line1: `${digits} Orrery Lane ${tag}`, city: `Brackwater${tag}`, postalCode: `Z${tag}`, country: 'IE' },
      geolocation: { latitude: 53.123457, longitude: -6.654321, capturedAt: '2026-01-01T00:00:00Z' },
    },
    lines: [`My locker code is amber ${tag} falcon`, `and my cat is called Thistle${tag}`],
  };
}
type Person = ReturnType<typeof newPerson>;

/** Every value of the person that must never be readable at rest, nor after erasure. */
const plaintextsOf = (person: Person) => [
  person.input.firstName, person.input.lastName, person.input.email, person.input.phone, person.input.ssn,
  person.input.address.line1, person.input.address.city, person.input.address.postalCode, ...person.lines,
];

async function createPerson(person: Person): Promise<{ id: string; interactionId: string }> {
  const { createEndUser } = await world.as(admin).data(CREATE, { input: person.input });
  const { recordInteraction } = await world.as(admin).data(RECORD, {
    input: { endUserId: createEndUser.id, channel: 'CHAT', direction: 'INBOUND', transcript: [{ sequence: 1, speaker: 'END_USER', text: person.lines[0] }] },
  });
  await world.as(admin).data(APPEND, { id: recordInteraction.id, segments: [{ sequence: 2, speaker: 'END_USER', text: person.lines[1] }] });
  return { id: createEndUser.id, interactionId: recordInteraction.id };
}

// --- Copies of the data, as a backup or a replica would hold them ---------------------------------

interface Row { [column: string]: unknown }
/** What a copy of the data databases holds: identity's and interactions' tables, row by row. */
interface Copy {
  endUsers: Row[];
  identityKeys: Row[];
  interactions: Row[];
  segments: Row[];
  interactionsKeys: Row[];
}

const dataDir = () => world.env.subgraphConfig.dataDir;

/** SQLite: a byte copy of each subgraph's database files (main file, WAL and shared memory). */
function copySqliteFiles(into: string): void {
  fs.mkdirSync(into, { recursive: true });
  for (const name of SUBGRAPH_NAMES) {
    for (const suffix of ['', '-wal', '-shm']) {
      const file = path.join(dataDir(), `${name}.sqlite${suffix}`);
      if (fs.existsSync(file)) fs.copyFileSync(file, path.join(into, `${name}.sqlite${suffix}`));
    }
  }
}

/** Opens the copied files as they are (no entities, no schema sync) and reads the tables raw. */
async function readSqliteCopy(dir: string): Promise<Copy> {
  const open = (name: SubgraphName) => new DataSource({ type: 'better-sqlite3', database: path.join(dir, `${name}.sqlite`) }).initialize();
  const identity = await open('identity');
  const interactions = await open('interactions');
  try {
    return {
      endUsers: await identity.query('SELECT * FROM end_users'),
      identityKeys: await identity.query('SELECT * FROM tenant_data_keys'),
      interactions: await interactions.query('SELECT * FROM interactions'),
      segments: await interactions.query('SELECT * FROM transcript_segments'),
      interactionsKeys: await interactions.query('SELECT * FROM tenant_data_keys'),
    };
  } finally {
    await identity.destroy();
    await interactions.destroy();
  }
}

/** MariaDB: the tables copied into a database of the test's own with CREATE TABLE … AS SELECT. */
async function copyMysqlTables(copyName: string): Promise<void> {
  const url = world.env.databaseUrl!;
  const { host, port, username, password } = mysqlTarget(url, 'identity');
  const connection = await createConnection({ host, port, user: username, password });
  try {
    await connection.query(`CREATE DATABASE \`${copyName}\``);
    const tables: [SubgraphName, string][] = [['identity', 'end_users'], ['identity', 'tenant_data_keys'], ['interactions', 'interactions'], ['interactions', 'transcript_segments'], ['interactions', 'tenant_data_keys']];
    for (const [name, table] of tables) {
      await connection.query(`CREATE TABLE \`${copyName}\`.\`${name}_${table}\` AS SELECT * FROM \`${mysqlTarget(url, name).database}\`.\`${table}\``);
    }
  } finally {
    await connection.end();
  }
}

async function readMysqlCopy(copyName: string): Promise<Copy> {
  const { host, port, username, password } = mysqlTarget(world.env.databaseUrl!, 'identity');
  const connection = await createConnection({ host, port, user: username, password, database: copyName });
  const all = async (table: string) => (await connection.query(`SELECT * FROM \`${table}\``))[0] as Row[];
  try {
    return {
      endUsers: await all('identity_end_users'),
      identityKeys: await all('identity_tenant_data_keys'),
      interactions: await all('interactions_interactions'),
      segments: await all('interactions_transcript_segments'),
      interactionsKeys: await all('interactions_tenant_data_keys'),
    };
  } finally {
    await connection.end();
  }
}

const copies: string[] = [];
async function takeCopy(): Promise<() => Promise<Copy>> {
  if (mysql) {
    const name = `${mysqlTarget(world.env.databaseUrl!, 'identity').database}_copy${copies.length}`;
    copies.push(name);
    await copyMysqlTables(name);
    return () => readMysqlCopy(name);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-copy-'));
  copies.push(dir);
  copySqliteFiles(dir);
  return () => readSqliteCopy(dir);
}

// --- What someone holding a copy, the live master keys and the live key stores can read --------------

const masterKeys = () => new LocalMasterKeys(world.env.subgraphConfig.masterKeys ?? world.env.keys.masterKeys);
const liveKeyStore = (name: 'identity' | 'interactions'): DataSource => world.stack.subgraphs[name].keyring.keyStore!;

async function tenantCipher(keys: Row[], tenantId: string): Promise<FieldCipher> {
  const key = async (purpose: string) => {
    const row = keys.find((k) => k.tenantId === tenantId && k.purpose === purpose)!;
    return masterKeys().unwrap(String(row.masterKeyId), String(row.wrappedKey));
  };
  return new FieldCipher(await key('data'), await key('index'));
}

/** The subject's key from the live key store, straight from its table (no cache): null when gone. */
async function liveSubjectCipher(store: DataSource, tenant: FieldCipher, tenantId: string, subjectId: string): Promise<FieldCipher | null> {
  const row = await TenantScope.of(store, tenantId).repo(SubjectKey).findOne({ subjectId });
  if (!row) return null;
  const key = Buffer.from(tenant.decrypt(row.wrappedKey, `subject_keys/${tenantId}/${subjectId}`), 'base64url');
  return new FieldCipher(key, tenant.indexKey, SUBJECT_KEY_VERSION);
}

/**
 * Everything of the person that decrypts from the copy: each ciphertext is tried under the
 * person's live key and under the tenant key; whatever fails is unreadable.
 */
async function readFromCopy(copy: Copy, tenantId: string, endUserId: string): Promise<{ profile: Record<string, unknown>; texts: string[]; ciphertexts: number }> {
  const identityTenant = await tenantCipher(copy.identityKeys, tenantId);
  const identityPerson = await liveSubjectCipher(liveKeyStore('identity'), identityTenant, tenantId, endUserId);
  let ciphertexts = 0;
  const profile: Record<string, unknown> = {};
  const row = copy.endUsers.find((r) => r.id === endUserId)!;
  for (const field of ENCRYPTED_FIELDS) {
    const ciphertext = row[`${field}Encrypted`] as string | null;
    if (!ciphertext) continue;
    ciphertexts++;
    const plain = attempt([identityPerson, identityTenant], ciphertext, `end_users/${tenantId}/${endUserId}/${field}`);
    if (plain !== null) profile[field] = JSON.parse(plain);
  }
  const interactionIds = new Set(copy.interactions.filter((i) => i.endUserId === endUserId).map((i) => i.id));
  const transcript = await textsFromCopy(copy, tenantId, endUserId, interactionIds);
  return { profile, texts: transcript.texts, ciphertexts: ciphertexts + transcript.ciphertexts };
}

function attempt(ciphers: (FieldCipher | null)[], ciphertext: string, context: string): string | null {
  for (const cipher of ciphers) {
    try {
      if (cipher && cipher.version === ciphertextVersion(ciphertext)) return cipher.decrypt(ciphertext, context);
    } catch {
      // not under this key
    }
  }
  return null;
}

/** The transcript text of these interactions that decrypts from the copy, under the subject's live key or the tenant key. */
async function textsFromCopy(copy: Copy, tenantId: string, subjectId: string, interactionIds: Set<unknown>): Promise<{ texts: string[]; ciphertexts: number }> {
  const tenant = await tenantCipher(copy.interactionsKeys, tenantId);
  const subject = await liveSubjectCipher(liveKeyStore('interactions'), tenant, tenantId, subjectId);
  const texts: string[] = [];
  let ciphertexts = 0;
  for (const segment of copy.segments.filter((s) => interactionIds.has(s.interactionId))) {
    ciphertexts++;
    const plain = attempt([subject, tenant], String(segment.textEncrypted), `transcript_segments/${tenantId}/${segment.interactionId}/${segment.sequence}`);
    if (plain !== null) texts.push(plain);
  }
  return { texts, ciphertexts };
}

// --- Where plaintext could hide -----------------------------------------------------------------------

/** Every byte of every SQLite file under DATA_DIR (data and key stores, WAL and journals included). */
function sqliteBytes(): { file: string; bytes: Buffer }[] {
  return fs.readdirSync(dataDir()).map((file) => ({ file, bytes: fs.readFileSync(path.join(dataDir(), file)) }));
}

/** Every row of every table of every database of this test (data and key stores), as text. */
async function everyRow(): Promise<{ where: string; text: string }[]> {
  const rows: { where: string; text: string }[] = [];
  for (const name of SUBGRAPH_NAMES) {
    const stores: DataSource[] = [world.stack.subgraphs[name].dataSource];
    const keyStore = world.stack.subgraphs[name].keyring.keyStore;
    if (keyStore) stores.push(keyStore);
    for (const source of stores) {
      for (const { tableName } of source.entityMetadatas) {
        for (const row of await source.query(`SELECT * FROM ${source.driver.escape(tableName)}`)) rows.push({ where: `${name}.${tableName}`, text: JSON.stringify(row) });
      }
    }
  }
  return rows;
}

async function tracesOf(values: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const { where, text } of await everyRow()) for (const value of values) if (text.includes(value)) found.push(`${where}: ${value}`);
  if (!mysql) {
    for (const { file, bytes } of sqliteBytes()) for (const value of values) if (bytes.includes(Buffer.from(value))) found.push(`${file}: ${value}`);
  }
  return found;
}

async function wrappedKeysOf(endUserId: string): Promise<string[]> {
  const keys: string[] = [];
  for (const name of ['identity', 'interactions'] as const) {
    const row = await TenantScope.of(liveKeyStore(name), world.acme.id).repo(SubjectKey).findOne({ subjectId: endUserId });
    if (row) keys.push(row.wrappedKey);
  }
  return keys;
}

async function erase(endUserId: string): Promise<void> {
  const { createPrivacyRequest } = await world.as(officer).data(REQUEST, { input: { endUserId, kind: 'ERASURE' } });
  expect(createPrivacyRequest.status).toBe('COMPLETED');
}

beforeAll(async () => {
  world = await seededStack({ endUsersPerTenant: 2 });
  admin = await world.env.token({ tenant: 'acme', roles: ['admin'] });
  officer = await world.env.token({ tenant: 'acme', roles: ['privacy_officer'] });
});
afterAll(async () => {
  if (world && mysql) {
    const { host, port, username, password } = mysqlTarget(world.env.databaseUrl!, 'identity');
    const connection = await createConnection({ host, port, user: username, password });
    for (const name of copies) await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await connection.end();
  } else {
    for (const dir of copies) fs.rmSync(dir, { recursive: true, force: true });
  }
  await world?.close();
});

describe('crypto-shredding', () => {
  it('stores the person’s profile and transcript only under their own key, in no table or file in clear', async () => {
    const person = newPerson();
    const { id, interactionId } = await createPerson(person);
    expect(await tracesOf(plaintextsOf(person))).toEqual([]);
    const row = await world.stack.subgraphs.identity.dataSource.getRepository(EndUser).findOneByOrFail({ id });
    for (const field of ENCRYPTED_FIELDS) expect(ciphertextVersion((row as any)[`${field}Encrypted`])).toBe(SUBJECT_KEY_VERSION);
    expect([row.legacyFirstName, row.legacyLastName]).toEqual([null, null]);
    const segments = await world.stack.subgraphs.interactions.dataSource.getRepository(TranscriptSegment).findBy({ interactionId });
    expect(segments.map((s) => [ciphertextVersion(s.textEncrypted!), s.legacyText])).toEqual([[SUBJECT_KEY_VERSION, null], [SUBJECT_KEY_VERSION, null]]);
    // One key per person in each subgraph's key store, none in the data databases.
    expect(await wrappedKeysOf(id)).toHaveLength(2);
    const data = await world.stack.subgraphs.identity.dataSource.query('SELECT * FROM end_users');
    for (const wrapped of await wrappedKeysOf(id)) expect(JSON.stringify(data)).not.toContain(wrapped);
  });

  it('reads everything back through the API and the access export before erasure; a copy taken then decrypts with the live keys', async () => {
    const person = newPerson();
    const { id } = await createPerson(person);
    const { endUser } = await world.as(admin).data(READ, { id });
    expect(endUser).toMatchObject({ firstName: person.input.firstName, lastName: person.input.lastName, email: person.input.email, phone: person.input.phone, ssn: person.input.ssn, dateOfBirth: '1961-07-23' });
    expect(endUser.interactions.edges[0].node.transcript.edges.map((e: any) => e.node.text)).toEqual(person.lines);
    const { createPrivacyRequest } = await world.as(officer).data(REQUEST, { input: { endUserId: id, kind: 'ACCESS' } });
    const { privacyAccessExport } = await world.as(officer).data('query($id: ID!) { privacyAccessExport(requestId: $id) }', { id: createPrivacyRequest.id });
    for (const value of plaintextsOf(person)) expect(privacyAccessExport).toContain(value);

    const copy = await (await takeCopy())();
    const read = await readFromCopy(copy, world.acme.id, id);
    expect(read.profile).toMatchObject({ firstName: person.input.firstName, email: person.input.email, ssn: person.input.ssn, dateOfBirth: '1961-07-23' });
    expect(read.texts.sort()).toEqual([...person.lines].sort());
  });

  it('after erasure nothing of the person decrypts from copies taken before it, no trace is left anywhere, and others still read', async () => {
    const person = newPerson();
    const other = newPerson();
    const { id } = await createPerson(person);
    const { id: otherId, interactionId: otherInteraction } = await createPerson(other);
    const anonymous = (await world.as(admin).data(RECORD, { input: { channel: 'VOICE', direction: 'INBOUND', transcript: [{ sequence: 1, speaker: 'END_USER', text: 'no name given, order 77 please' }] } })).recordInteraction.id;
    const readCopy = await takeCopy();
    const before = await readFromCopy(await readCopy(), world.acme.id, id);
    // The procedure works on this very copy while the key exists, so the assertions below can fail.
    expect(Object.keys(before.profile).sort()).toEqual([...ENCRYPTED_FIELDS].filter((f) => f !== 'geolocation' || person.input.geolocation).sort());
    expect(before.texts).toHaveLength(2);
    const wrapped = await wrappedKeysOf(id);
    expect(wrapped).toHaveLength(2);
    if (!mysql) {
      const keyFiles = sqliteBytes().filter(({ file }) => file.includes('-keys'));
      for (const key of wrapped) expect(keyFiles.some(({ bytes }) => bytes.includes(Buffer.from(key)))).toBe(true);
    }

    await erase(id);

    const after = await readFromCopy(await readCopy(), world.acme.id, id);
    expect(after.ciphertexts).toBe(before.ciphertexts);
    expect(after.profile).toEqual({});
    expect(after.texts).toEqual([]);
    // The key is gone from every key store table, byte for byte on SQLite, and from memory.
    expect(await wrappedKeysOf(id)).toEqual([]);
    expect(await tracesOf([...plaintextsOf(person), ...wrapped])).toEqual([]);
    for (const name of ['identity', 'interactions'] as const) {
      expect(await world.stack.subgraphs[name].keyring.subjects(world.acme.id).cipher(id)).toBeNull();
    }
    expect((await world.as(admin).send(READ, { id })).data.endUser).toBeNull();

    // Others are untouched: the other person, from the API and from the same copy, and the anonymous caller.
    const { endUser } = await world.as(admin).data(READ, { id: otherId });
    expect(endUser).toMatchObject({ firstName: other.input.firstName, email: other.input.email, ssn: other.input.ssn });
    expect((await world.as(admin).data(TRANSCRIPT, { id: otherInteraction })).interaction.transcript.edges.map((e: any) => e.node.text)).toEqual(other.lines);
    expect((await readFromCopy(await readCopy(), world.acme.id, otherId)).texts.sort()).toEqual([...other.lines].sort());
    expect((await world.as(admin).data(TRANSCRIPT, { id: anonymous })).interaction.transcript.edges.map((e: any) => e.node.text)).toEqual(['no name given, order 77 please']);
    const seeded = await world.as(admin).data(READ, { id: world.acme.endUserIds[0] });
    expect(seeded.endUser.firstName).toEqual(expect.any(String));
    expect(seeded.endUser.interactions.edges[0].node.transcript.edges.length).toBeGreaterThan(0);
  });

  it('erasure is idempotent at the key store: destroying again removes nothing and breaks nothing', async () => {
    const person = newPerson();
    const { id } = await createPerson(person);
    await erase(id);
    for (const name of ['identity', 'interactions'] as const) {
      expect(await world.stack.subgraphs[name].keyring.subjects(world.acme.id).destroy([id])).toBe(0);
    }
  });

  it('a person’s key is another tenant’s nothing: globex cannot use an acme person’s key or id', async () => {
    const person = newPerson();
    const { id } = await createPerson(person);
    for (const name of ['identity', 'interactions'] as const) {
      expect(await world.stack.subgraphs[name].keyring.subjects(world.globex.id).cipher(id)).toBeNull();
    }
    const globex = await world.env.token({ tenant: 'globex', roles: ['admin'] });
    expect((await world.as(globex).send(READ, { id })).data.endUser).toBeNull();
  });
});

describe('retention', () => {
  it('the purge shreds an anonymous interaction’s own key with its transcript; a known person’s key stays for their newer data', async () => {
    const startedAt = new Date(Date.now() - 400 * 86_400_000);
    const endedAt = new Date(startedAt.getTime() + 60_000);
    const secret = `walk-in caller ${randomBytes(4).toString('hex')}`;
    const { recordInteraction } = await world.as(admin).data(RECORD, {
      input: { channel: 'VOICE', direction: 'INBOUND', startedAt, endedAt, transcript: [{ sequence: 1, speaker: 'END_USER', text: secret }] },
    });
    const id = recordInteraction.id;
    const person = newPerson();
    const { id: personId } = await createPerson(person);
    const readCopy = await takeCopy();
    expect((await textsFromCopy(await readCopy(), world.acme.id, id, new Set([id]))).texts).toEqual([secret]);

    const results = await new RetentionService(world.stack.subgraphs.interactions.dataSource, world.stack.subgraphs.interactions.keyring).purgeAll();
    expect(results.find((r) => r.tenantId === world.acme.id)!.segments).toBeGreaterThanOrEqual(1);
    const after = await textsFromCopy(await readCopy(), world.acme.id, id, new Set([id]));
    expect(after).toEqual({ texts: [], ciphertexts: 1 });
    expect(await world.stack.subgraphs.interactions.keyring.subjects(world.acme.id).cipher(id)).toBeNull();
    expect(await wrappedKeysOf(personId)).toHaveLength(2);
    expect((await world.as(admin).data(READ, { id: personId })).endUser.interactions.edges[0].node.transcript.edges.map((e: any) => e.node.text)).toEqual(person.lines);
  });
});

describe('rows written before per-person keys', () => {
  it('keep reading, are moved under the person’s key by the backfill, and are then shredded by erasure too', async () => {
    const person = newPerson();
    const { id, interactionId } = await createPerson(person);
    const identity = world.stack.subgraphs.identity.dataSource;
    const interactions = world.stack.subgraphs.interactions.dataSource;
    // Rewind the rows to how they were stored before: names in clear, fields under the tenant key, text in clear.
    const tenant = await world.stack.subgraphs.identity.keyring.cipherFor(world.acme.id);
    const row = await identity.getRepository(EndUser).findOneByOrFail({ id });
    const current = await EndUserCodec.forRow(world.stack.subgraphs.identity.keyring.subjects(world.acme.id), tenant, row);
    const legacy: Record<string, unknown> = { legacyFirstName: person.input.firstName, legacyLastName: person.input.lastName, firstNameEncrypted: null, lastNameEncrypted: null };
    for (const field of ENCRYPTED_FIELDS.filter((f) => f !== 'firstName' && f !== 'lastName')) {
      const value = current.read(row, field);
      legacy[`${field}Encrypted`] = value === null ? null : tenant.encrypt(JSON.stringify(value), `end_users/${world.acme.id}/${id}/${field}`);
    }
    await identity.getRepository(EndUser).update({ id, tenantId: world.acme.id }, legacy);
    for (const [index, text] of person.lines.entries()) {
      await interactions.getRepository(TranscriptSegment).update({ interactionId, sequence: index + 1, tenantId: world.acme.id }, { legacyText: text, textEncrypted: null });
    }
    for (const name of ['identity', 'interactions'] as const) await world.stack.subgraphs[name].keyring.subjects(world.acme.id).destroy([id]);
    const rewound = await identity.getRepository(EndUser).findOneByOrFail({ id });
    expect(ciphertextVersion(rewound.ssnEncrypted!)).toBe(TENANT_KEY_VERSION);

    const expected = { firstName: person.input.firstName, lastName: person.input.lastName, email: person.input.email, ssn: person.input.ssn };
    const read = async () => {
      const { endUser } = await world.as(admin).data(READ, { id });
      expect(endUser).toMatchObject(expected);
      expect(endUser.interactions.edges[0].node.transcript.edges.map((e: any) => e.node.text)).toEqual(person.lines);
    };
    await read();

    expect(await backfillEndUserKeys(identity, world.stack.subgraphs.identity.keyring)).toBe(1);
    expect(await backfillTranscriptKeys(interactions, world.stack.subgraphs.interactions.keyring)).toBe(2);
    expect(await backfillEndUserKeys(identity, world.stack.subgraphs.identity.keyring)).toBe(0);
    expect(await backfillTranscriptKeys(interactions, world.stack.subgraphs.interactions.keyring)).toBe(0);
    const moved = await identity.getRepository(EndUser).findOneByOrFail({ id });
    expect([moved.legacyFirstName, moved.legacyLastName]).toEqual([null, null]);
    for (const field of ENCRYPTED_FIELDS) {
      const value = (moved as any)[`${field}Encrypted`];
      if (value) expect(ciphertextVersion(value)).toBe(SUBJECT_KEY_VERSION);
    }
    const segments = await interactions.getRepository(TranscriptSegment).findBy({ interactionId });
    expect(segments.every((s) => s.legacyText === null && ciphertextVersion(s.textEncrypted!) === SUBJECT_KEY_VERSION)).toBe(true);
    await read();

    const readCopy = await takeCopy();
    await erase(id);
    const after = await readFromCopy(await readCopy(), world.acme.id, id);
    expect(after.profile).toEqual({});
    expect(after.texts).toEqual([]);
  });

  it('the backfill leaves an interaction without end-user under a key of its own', async () => {
    const interactions = world.stack.subgraphs.interactions.dataSource;
    const { recordInteraction } = await world.as(admin).data(RECORD, { input: { channel: 'SMS', direction: 'INBOUND', transcript: [{ sequence: 1, speaker: 'END_USER', text: 'walk-in 4242' }] } });
    const id = recordInteraction.id;
    await interactions.getRepository(TranscriptSegment).update({ interactionId: id, tenantId: world.acme.id }, { legacyText: 'walk-in 4242', textEncrypted: null });
    await world.stack.subgraphs.interactions.keyring.subjects(world.acme.id).destroy([id]);
    expect(await backfillTranscriptKeys(interactions, world.stack.subgraphs.interactions.keyring)).toBe(1);
    const interaction = await interactions.getRepository(Interaction).findOneByOrFail({ id });
    expect(interaction.endUserId).toBeNull();
    expect(await world.stack.subgraphs.interactions.keyring.subjects(world.acme.id).cipher(id)).not.toBeNull();
    expect((await world.as(admin).data(TRANSCRIPT, { id })).interaction.transcript.edges.map((e: any) => e.node.text)).toEqual(['walk-in 4242']);
  });
});

it('keeps the key stores apart from the data: their own SQLite files, or their own MySQL databases', () => {
  for (const name of ['identity', 'interactions'] as const) {
    const store = liveKeyStore(name).options;
    if (mysql) expect(store.database).toBe(keyStoreDatabase(world.env.databaseUrl!, name));
    else expect(String(store.database)).toBe(path.join(dataDir(), `${name}-keys.sqlite`));
    expect(store.database).not.toBe(world.stack.subgraphs[name].dataSource.options.database);
    expect(liveKeyStore(name).entityMetadatas.map((m) => m.tableName)).toEqual(['subject_keys']);
  }
});
