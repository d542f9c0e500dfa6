import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AuditEvent } from '../../subgraphs/identity/entities/audit-event.entity';
import { EndUser } from '../../subgraphs/identity/entities/end-user.entity';
import { EndUserCodec } from '../../subgraphs/identity/services/end-user-codec';
import { SUBGRAPH_NAMES } from '../../subgraphs/kit/config';
import { Keyring } from '../../subgraphs/kit/crypto/keyring';
import { LocalMasterKeys } from '../../subgraphs/kit/crypto/master-keys';
import { TenantDataKey } from '../../subgraphs/kit/crypto/tenant-data-key.entity';
import { codes } from '../helpers/environment';
import { captureLogs } from '../helpers/log-capture';
import { seededStack, type SeededStack } from '../helpers/stack';

const OLD_KEY = `old:${randomBytes(32).toString('base64url')}`;
const NEW_KEY = `new:${randomBytes(32).toString('base64url')}`;
const logs = captureLogs();
let world: SeededStack;
const tokens: Record<string, string> = {};

const PERSON = {
  firstName: 'Grace',
  lastName: 'Hopper',
  email: 'Grace.Hopper@Navy.example',
  phone: '+14155550199',
  ssn: '078-05-1120',
  dateOfBirth: '1906-12-09',
  gender: 'FEMALE',
  maritalStatus: 'DIVORCED',
  address: { line1: '1 Compiler Way', city: 'Arlington', region: 'VA', postalCode: '22201', country: 'US' },
  geolocation: { latitude: 38.88, longitude: -77.1, accuracy: 10, capturedAt: '2026-11-01T10:00:00.000Z' },
};
const FIELDS = 'id firstName lastName email phone ssn dateOfBirth gender maritalStatus dataRegion externalRef address { line1 city country } geolocation { latitude longitude accuracy capturedAt }';

beforeAll(async () => {
  world = await seededStack({ env: { MASTER_KEYS: OLD_KEY }, logger: logs.logger });
  for (const role of ['admin', 'supervisor', 'agent', 'privacy_officer', 'integrator']) {
    tokens[role] = await world.env.token({ tenant: 'acme', roles: [role], sub: `acme-${role}` });
  }
  tokens.globex = await world.env.token({ tenant: 'globex', roles: ['admin'] });
});
afterAll(() => world?.close());

/** Every row of every table of every subgraph, as text. */
async function everyStoredRow(): Promise<string> {
  const dumps: string[] = [];
  for (const name of SUBGRAPH_NAMES) {
    const dataSource = world.stack.subgraphs[name].dataSource;
    for (const table of dataSource.entityMetadatas.map((m) => m.tableName)) {
      dumps.push(JSON.stringify(await dataSource.query(`SELECT * FROM ${table}`)));
    }
  }
  return dumps.join('\n');
}

describe('end-user profiles at rest', () => {
  let created: any;
  beforeAll(async () => {
    const response = await world.as(tokens.admin).send(`mutation($input: CreateEndUserInput!) { createEndUser(input: $input) { ${FIELDS} } }`, { input: PERSON });
    expect(response.errors).toBeUndefined();
    created = response.data.createEndUser;
  });

  it('returns what was written, with the tenant’s region stamped', () => {
    expect(created).toMatchObject({ ...PERSON, email: 'grace.hopper@navy.example', dataRegion: 'us-east-1', address: { line1: '1 Compiler Way', city: 'Arlington', country: 'US' } });
  });

  it('stores no SSN, date of birth, email or phone in plaintext, in any table or database file', async () => {
    const seeded = await world.as(tokens.admin).send(`{ endUsers(first: 100) { edges { node { ssn dateOfBirth email phone } } } }`);
    const secrets = [PERSON.ssn, PERSON.dateOfBirth, 'grace.hopper@navy.example', PERSON.phone,
      ...seeded.data.endUsers.edges.flatMap((e: any) => [e.node.ssn, e.node.dateOfBirth, e.node.email, e.node.phone])];
    expect(secrets.length).toBeGreaterThan(20);
    const rows = await everyStoredRow();
    expect(rows).toContain(created.id);
    for (const secret of secrets) expect(rows).not.toContain(secret);
    if (!world.env.databaseUrl) {
      const dir = world.env.subgraphConfig.dataDir;
      const files = fs.readdirSync(dir).filter((f) => f.startsWith('identity.sqlite')).map((f) => fs.readFileSync(path.join(dir, f)).toString('latin1'));
      expect(files.join('').length).toBeGreaterThan(10_000);
      for (const secret of secrets) expect(files.join('')).not.toContain(secret);
    }
  });

  it('logs no personal value, not even when refusing bad input', async () => {
    await world.as(tokens.admin).send('mutation { createEndUser(input: { ssn: "078-05-112", email: "grace@@navy" }) { id } }');
    const everything = logs.lines.join('\n');
    expect(everything.length).toBeGreaterThan(0);
    for (const secret of [PERSON.ssn, '078-05-112', PERSON.dateOfBirth, 'grace.hopper@navy.example', PERSON.phone]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('binds each ciphertext to its record: a value moved to another row does not decrypt', async () => {
    const repo = world.stack.subgraphs.identity.dataSource.getRepository(EndUser);
    const [source, target] = await repo.find({ where: { tenantId: world.acme.id }, take: 2 });
    const { keyStore } = world.stack.subgraphs.identity.keyring;
    const keyring = new Keyring(world.stack.subgraphs.identity.dataSource, new LocalMasterKeys(OLD_KEY), keyStore);
    const codec = await EndUserCodec.forRow(keyring.subjects(world.acme.id), await keyring.cipherFor(world.acme.id), source);
    expect(codec.read(source, 'ssn')).toMatch(/^\d{3}-\d{2}-\d{4}$/);
    expect(() => codec.read({ ...target, ssnEncrypted: source.ssnEncrypted } as EndUser, 'ssn')).toThrow();
    const globexCodec = await EndUserCodec.forRow(keyring.subjects(world.globex.id), await keyring.cipherFor(world.globex.id), source);
    expect(globexCodec.read(source, 'ssn')).toBeNull();
  });
});

describe('finding a caller', () => {
  it('by exact phone or email, through blind indexes, within the tenant only', async () => {
    const byPhone = await world.as(tokens.admin).send('query($p: String) { endUsers(filter: { phone: $p }) { edges { node { firstName phone } } } }', { p: PERSON.phone });
    expect(byPhone.data.endUsers.edges).toEqual([{ node: { firstName: 'Grace', phone: PERSON.phone } }]);
    const byEmail = await world.as(tokens.admin).send('query($e: String) { endUsers(filter: { email: $e }) { edges { node { firstName } } } }', { e: 'GRACE.hopper@navy.example ' });
    expect(byEmail.data.endUsers.edges).toEqual([{ node: { firstName: 'Grace' } }]);
    const elsewhere = await world.as(tokens.globex).send('query($p: String) { endUsers(filter: { phone: $p }) { edges { node { id } } } }', { p: PERSON.phone });
    expect(elsewhere.data.endUsers.edges).toEqual([]);
    const nobody = await world.as(tokens.admin).send('{ endUsers(filter: { phone: "+14155550000" }) { edges { node { id } } } }');
    expect(nobody.data.endUsers.edges).toEqual([]);
  });

  it('by the client’s own reference, created or updated by upsert', async () => {
    const first = await world.as(tokens.admin).send('mutation { upsertEndUser(externalRef: "hs-contact-77", input: { firstName: "Ada", phone: "+14155550177" }) { id firstName externalRef } }');
    const second = await world.as(tokens.admin).send('mutation { upsertEndUser(externalRef: "hs-contact-77", input: { lastName: "Lovelace" }) { id firstName lastName phone } }');
    expect(second.data.upsertEndUser).toEqual({ id: first.data.upsertEndUser.id, firstName: 'Ada', lastName: 'Lovelace', phone: '+14155550177' });
    const found = await world.as(tokens.admin).send('{ endUsers(filter: { externalRef: "hs-contact-77" }) { edges { node { id } } } }');
    expect(found.data.endUsers.edges).toEqual([{ node: { id: first.data.upsertEndUser.id } }]);
    const taken = await world.as(tokens.admin).send('mutation { createEndUser(input: { externalRef: "hs-contact-77" }) { id } }');
    expect(taken.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'externalRef' });
  });
});

describe('sensitive fields and the audit log', () => {
  it('shows an agent the SSN masked and a supervisor the whole, and records both reads', async () => {
    const id = world.acme.endUserIds[1];
    const agent = await world.as(tokens.agent).send('query($id: ID!) { endUser(id: $id) { ssn dateOfBirth gender } }', { id });
    expect(agent.data.endUser).toEqual({ ssn: expect.stringMatching(/^\*\*\*-\*\*-\d{4}$/), dateOfBirth: null, gender: null });
    const supervisor = await world.as(tokens.supervisor).send('query($id: ID!) { endUser(id: $id) { ssn dateOfBirth } }', { id });
    expect(supervisor.data.endUser.ssn).toMatch(/^\d{3}-\d{2}-\d{4}$/);
    expect(supervisor.data.endUser.ssn.slice(-4)).toBe(agent.data.endUser.ssn.slice(-4));

    const trail = await world.as(tokens.privacy_officer).send('query($id: ID!) { auditEvents(endUserId: $id) { edges { node { action fields actor clientIp requestId createdAt } } } }', { id });
    const events = trail.data.auditEvents.edges.map((e: any) => e.node);
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'READ_SENSITIVE_MASKED', fields: ['dateOfBirth', 'gender', 'ssn'], actor: 'operator:acme-agent', clientIp: '127.0.0.1' }),
        expect.objectContaining({ action: 'READ_SENSITIVE', fields: ['dateOfBirth', 'ssn'], actor: 'operator:acme-supervisor', clientIp: '127.0.0.1' }),
      ]),
    );
    expect(JSON.stringify(events)).not.toContain(supervisor.data.endUser.ssn);
  });

  it('records every change with field names only', async () => {
    const created = await world.as(tokens.agent).send('mutation { createEndUser(input: { firstName: "Alan", ssn: "123-45-6789" }) { id } }');
    const id = created.data.createEndUser.id;
    await world.as(tokens.agent).send('mutation($id: ID!) { updateEndUser(id: $id, input: { ssn: "987-65-4321", phone: "+442071234567" }) { id } }', { id });
    const trail = await world.as(tokens.admin).send('query($id: ID!) { auditEvents(endUserId: $id) { edges { node { action fields actor } } } }', { id });
    expect(trail.data.auditEvents.edges.map((e: any) => e.node)).toEqual([
      { action: 'CREATE', fields: ['firstName', 'gender', 'maritalStatus', 'ssn'], actor: 'operator:acme-agent' },
      { action: 'UPDATE', fields: ['phone', 'ssn'], actor: 'operator:acme-agent' },
    ]);
    expect(JSON.stringify(trail)).not.toMatch(/6789|4321|2071234567/);
  });

  it('is readable by admins and privacy officers only, per tenant, and cannot be changed through the API', async () => {
    for (const role of ['agent', 'supervisor', 'integrator']) {
      expect(codes(await world.as(tokens[role]).send('{ auditEvents { edges { node { id } } } }'))).toEqual(['FORBIDDEN']);
    }
    const globex = await world.as(tokens.globex).send('{ auditEvents(first: 100) { edges { node { actor } } } }');
    expect(globex.data.auditEvents.edges.every((e: any) => !e.node.actor.includes('acme'))).toBe(true);
    const schema = await world.as(tokens.admin).send('{ __schema { mutationType { fields { name } } } }');
    expect(schema.data.__schema.mutationType.fields.map((f: any) => f.name).filter((n: string) => /audit/i.test(n))).toEqual([]);
  });
});

describe('input validation', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['email', { email: 'not-an-email' }, 'email'],
    ['phone', { phone: '555-1234' }, 'phone'],
    ['phone without +', { phone: '14155550123' }, 'phone'],
    ['ssn', { ssn: '123456789' }, 'ssn'],
    ['date of birth format', { dateOfBirth: '12/09/1906' }, 'dateOfBirth'],
    ['date of birth calendar', { dateOfBirth: '1990-02-30' }, 'dateOfBirth'],
    ['date of birth in the future', { dateOfBirth: '2999-01-01' }, 'dateOfBirth'],
    ['country', { address: { line1: 'x', city: 'y', postalCode: '1', country: 'USA' } }, 'address.country'],
    ['address line', { address: { line1: '', city: 'y', postalCode: '1', country: 'US' } }, 'address.line1'],
    ['latitude', { geolocation: { latitude: 91, longitude: 0, capturedAt: '2026-01-01T00:00:00Z' } }, 'geolocation.latitude'],
    ['longitude', { geolocation: { latitude: 0, longitude: -181, capturedAt: '2026-01-01T00:00:00Z' } }, 'geolocation.longitude'],
    ['accuracy', { geolocation: { latitude: 0, longitude: 0, accuracy: -1, capturedAt: '2026-01-01T00:00:00Z' } }, 'geolocation.accuracy'],
    ['capture time', { geolocation: { latitude: 0, longitude: 0, capturedAt: '2999-01-01T00:00:00Z' } }, 'geolocation.capturedAt'],
    ['first name', { firstName: 'x'.repeat(101) }, 'firstName'],
  ];

  it.each(cases)('refuses a bad %s naming the field, and writes nothing', async (_label, input, field) => {
    const identity = world.stack.subgraphs.identity.dataSource;
    const before = [await identity.getRepository(EndUser).count(), await identity.getRepository(AuditEvent).count()];
    const response = await world.as(tokens.admin).send('mutation($input: CreateEndUserInput!) { createEndUser(input: $input) { id } }', { input });
    expect(response.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(response.data?.createEndUser ?? null).toBeNull();
    const update = await world.as(tokens.admin).send('mutation($id: ID!, $input: UpdateEndUserInput!) { updateEndUser(id: $id, input: $input) { id } }', { id: world.acme.endUserIds[0], input });
    expect(update.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    expect([await identity.getRepository(EndUser).count(), await identity.getRepository(AuditEvent).count()]).toEqual(before);
  });

  it('refuses an unknown enum value through GraphQL itself', async () => {
    const response = await world.as(tokens.admin).send('mutation { createEndUser(input: { gender: ROBOT }) { id } }');
    expect(codes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });
});

describe('master key rotation', () => {
  it('rewraps the data keys without touching a row, and every record stays readable under the new key alone', async () => {
    const identity = world.stack.subgraphs.identity.dataSource;
    const rowsBefore = await identity.getRepository(EndUser).find({ order: { id: 'ASC' } });
    const keysBefore = await identity.getRepository(TenantDataKey).find();
    expect(new Set(keysBefore.map((k) => k.masterKeyId))).toEqual(new Set(['old']));

    const rewrapped = await new Keyring(identity, new LocalMasterKeys(`${NEW_KEY},${OLD_KEY}`)).rotate();
    expect(rewrapped).toBe(keysBefore.length);
    const keysAfter = await identity.getRepository(TenantDataKey).find();
    expect(new Set(keysAfter.map((k) => k.masterKeyId))).toEqual(new Set(['new']));
    expect(await identity.getRepository(EndUser).find({ order: { id: 'ASC' } })).toEqual(rowsBefore);

    const onlyNew = new Keyring(identity, new LocalMasterKeys(NEW_KEY), world.stack.subgraphs.identity.keyring.keyStore);
    let read = 0;
    for (const row of rowsBefore) {
      const codec = await EndUserCodec.forRow(onlyNew.subjects(row.tenantId), await onlyNew.cipherFor(row.tenantId), row);
      expect(codec.read(row, 'firstName')).not.toBeNull();
      codec.read(row, 'ssn');
      codec.read(row, 'email');
      read++;
    }
    expect(read).toBe(rowsBefore.length);
    const onlyOld = new Keyring(identity, new LocalMasterKeys(OLD_KEY));
    await expect(onlyOld.cipherFor(world.acme.id)).rejects.toThrow(/not configured/);
  });
});
