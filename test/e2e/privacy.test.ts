import type { DataSource } from 'typeorm';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/shared/config';
import { bearer, codes, postGraphQL, type GraphQLResponse } from '../helpers/environment';
import { seededStack, type SeededStack } from '../helpers/stack';

let world: SeededStack;
let officer: string;
let agent: string;
let globexOfficer: string;
let admin: string;

const gql = (query: string, variables: Record<string, unknown> | undefined, token: string) =>
  postGraphQL(world.stack.gatewayUrl, query, variables, bearer(token));

const sources = (): Record<SubgraphName, DataSource> =>
  Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, world.stack.subgraphs[name].dataSource])) as Record<SubgraphName, DataSource>;

/** Every row of every table of every subgraph, as text, with where it came from. */
async function allRows(): Promise<{ where: string; text: string }[]> {
  const rows: { where: string; text: string }[] = [];
  for (const [name, source] of Object.entries(sources())) {
    for (const { tableName } of source.entityMetadatas) {
      for (const row of await source.query(`SELECT * FROM ${source.driver.escape(tableName)}`)) {
        rows.push({ where: `${name}.${tableName}`, text: JSON.stringify(row) });
      }
    }
  }
  return rows;
}

const CREATE = `mutation($input: CreateEndUserInput!) { createEndUser(input: $input) { id } }`;
const REQUEST = `mutation($input: CreatePrivacyRequestInput!) {
  createPrivacyRequest(input: $input) { id kind status endUserId dueAt completedAt tasks { target status attempts lastError } }
}`;

async function newEndUser(token: string, suffix: string): Promise<string> {
  const response = await gql(
    CREATE,
    { input: { firstName: 'Pat', lastName: `Privacy${suffix}`, email: `pat.${suffix}@example.org`, phone: `+1415555${suffix.padStart(4, '0').slice(-4)}`, ssn: '123-45-6789', dateOfBirth: '1980-02-03' } },
    token,
  );
  expect(response.errors).toBeUndefined();
  return response.data.createEndUser.id;
}

function expectCode(response: GraphQLResponse, code: string): void {
  expect(codes(response)).toContain(code);
}

beforeAll(async () => {
  world = await seededStack({ env: { PRIVACY_RETRY_INTERVAL_MS: '0' } });
  officer = await world.env.token({ tenant: 'acme', roles: ['privacy_officer'] });
  agent = await world.env.token({ tenant: 'acme', roles: ['agent'] });
  globexOfficer = await world.env.token({ tenant: 'globex', roles: ['privacy_officer'] });
  admin = await world.env.token({ tenant: 'acme', roles: ['admin'] });
});
afterAll(() => world?.close());

describe('privacy requests: who may', () => {
  it('are for privacy officers only, and only for their own tenant’s end-users', async () => {
    const id = world.acme.endUserIds[0];
    const byAgent = await gql(REQUEST, { input: { endUserId: id, kind: 'ACCESS' } }, agent);
    expectCode(byAgent, 'FORBIDDEN');
    const fromGlobex = await gql(REQUEST, { input: { endUserId: id, kind: 'ERASURE' } }, globexOfficer);
    expectCode(fromGlobex, 'NOT_FOUND');
    expect((await gql('{ privacyRequests { edges { node { id } } } }', undefined, agent)).data?.privacyRequests ?? null).toBeNull();
    const legal = await gql('mutation($input: PlaceLegalHoldInput!) { placeLegalHold(input: $input) { id } }', { input: { endUserId: id, reason: 'x' } }, agent);
    expectCode(legal, 'FORBIDDEN');
  });

  it('refuses bad input naming the field', async () => {
    const id = world.acme.endUserIds[0];
    const noFields = await gql(REQUEST, { input: { endUserId: id, kind: 'RECTIFICATION' } }, officer);
    expect(noFields.errors?.[0].extensions?.field).toBe('rectification');
    const past = await gql(REQUEST, { input: { endUserId: id, kind: 'ACCESS', dueAt: '2020-01-01T00:00:00Z' } }, officer);
    expect(past.errors?.[0].extensions?.field).toBe('dueAt');
    const badDob = await gql(REQUEST, { input: { endUserId: id, kind: 'RECTIFICATION', rectification: { dateOfBirth: '2999-01-01' } } }, officer);
    expect(badDob.errors?.[0].extensions?.field).toBe('dateOfBirth');
  });
});

describe('legal holds', () => {
  it('refuse an erasure and leave everything as it was; once released, erasure proceeds', async () => {
    const id = await newEndUser(admin, '7001');
    const hold = await gql(
      'mutation($input: PlaceLegalHoldInput!) { placeLegalHold(input: $input) { id endUserId releasedAt } }',
      { input: { endUserId: id, reason: 'Litigation 2026-17', reference: 'CASE-17' } },
      officer,
    );
    expect(hold.errors).toBeUndefined();
    const before = await allRows();
    const refused = await gql(REQUEST, { input: { endUserId: id, kind: 'ERASURE' } }, officer);
    expectCode(refused, 'CONFLICT');
    expect(await allRows()).toEqual(before);

    const released = await gql('mutation($id: ID!) { releaseLegalHold(id: $id) { releasedAt } }', { id: hold.data.placeLegalHold.id }, officer);
    expect(released.data.releaseLegalHold.releasedAt).not.toBeNull();
    const audit = await gql('query($id: ID) { auditEvents(endUserId: $id, first: 50) { edges { node { action reference } } } }', { id }, officer);
    const actions = audit.data.auditEvents.edges.map((edge: any) => edge.node.action);
    expect(actions).toEqual(expect.arrayContaining(['LEGAL_HOLD_PLACED', 'LEGAL_HOLD_RELEASED']));
  });
});

describe('disclosures', () => {
  it('are recorded, listed and audited', async () => {
    const id = world.acme.endUserIds[1];
    const recorded = await gql(
      'mutation($input: RecordDisclosureInput!) { recordDisclosure(input: $input) { id authority dataCategories } }',
      { input: { endUserId: id, authority: 'Regional court', legalBasis: 'Production order §12', reference: 'PO-2026-4', dataCategories: ['profile', 'transcripts'], disclosedAt: new Date().toISOString() } },
      officer,
    );
    expect(recorded.errors).toBeUndefined();
    const listed = await gql('query($id: ID) { disclosures(endUserId: $id) { edges { node { id reference } } } }', { id }, officer);
    expect(listed.data.disclosures.edges).toEqual([{ node: { id: recorded.data.recordDisclosure.id, reference: 'PO-2026-4' } }]);
    const fromGlobex = await gql('query($id: ID) { disclosures(endUserId: $id) { edges { node { id } } } }', { id }, globexOfficer);
    expect(fromGlobex.data.disclosures.edges).toEqual([]);
    const audit = await gql('query($id: ID) { auditEvents(endUserId: $id, first: 50) { edges { node { action fields reference } } } }', { id }, officer);
    expect(audit.data.auditEvents.edges.map((edge: any) => edge.node)).toContainEqual({
      action: 'DISCLOSURE_RECORDED', fields: ['profile', 'transcripts'], reference: recorded.data.recordDisclosure.id,
    });
  });
});

const OUTBOUND = `mutation($id: ID!, $channel: Channel!) { recordInteraction(input: { endUserId: $id, channel: $channel, direction: OUTBOUND }) { id } }`;

async function interactionCount(endUserId: string): Promise<number> {
  const rows = await sources().interactions.query('SELECT COUNT(*) AS n FROM interactions WHERE endUserId = ?', [endUserId]);
  return Number(rows[0].n);
}

describe('restriction', () => {
  it('stops contact and updates, hides the person from all but privacy officers, until lifted', async () => {
    const id = await newEndUser(admin, '7101');
    expect((await gql(OUTBOUND, { id, channel: 'VOICE' }, agent)).errors).toBeUndefined();
    const restricted = await gql(REQUEST, { input: { endUserId: id, kind: 'RESTRICTION' } }, officer);
    expect(restricted.errors).toBeUndefined();
    expect(restricted.data.createPrivacyRequest.status).toBe('COMPLETED');
    expect(restricted.data.createPrivacyRequest.tasks.map((task: any) => [task.target, task.status])).toEqual([['consent', 'DONE'], ['identity', 'DONE']]);

    const before = await interactionCount(id);
    const contact = await gql(OUTBOUND, { id, channel: 'SMS' }, agent);
    expectCode(contact, 'FORBIDDEN');
    expect(contact.errors![0].message).toMatch(/restricted/);
    expect(await interactionCount(id)).toBe(before);

    const update = await gql('mutation($id: ID!) { updateEndUser(id: $id, input: { lastName: "Changed" }) { id } }', { id }, admin);
    expect(update.data).toBeNull();
    expect(update.errors).toBeDefined();
    const upsert = await gql('mutation($id: ID!) { updateEndUser(id: $id, input: { firstName: "X" }) { id } }', { id }, agent);
    expect(upsert.errors).toBeDefined();
    // Admins hold every permission of their tenant, privacy:manage included; a supervisor does not.
    const supervisor = await world.env.token({ tenant: 'acme', roles: ['supervisor'] });
    expect((await gql('query($id: ID!) { endUser(id: $id) { id } }', { id }, supervisor)).data.endUser).toBeNull();
    const listed = await gql('{ endUsers(first: 100) { edges { node { id } } } }', undefined, supervisor);
    expect(listed.data.endUsers.edges.map((edge: any) => edge.node.id)).not.toContain(id);
    const seen = await gql('query($id: ID!) { endUser(id: $id) { id lastName processingRestricted } }', { id }, officer);
    expect(seen.data.endUser).toEqual({ id, lastName: 'Privacy7101', processingRestricted: true });

    const lifted = await gql('mutation($id: ID!) { liftProcessingRestriction(endUserId: $id) { processingRestricted } }', { id }, officer);
    expect(lifted.data.liftProcessingRestriction.processingRestricted).toBe(false);
    expect((await gql('query($id: ID!) { endUser(id: $id) { id } }', { id }, supervisor)).data.endUser).toEqual({ id });
    expect((await gql(OUTBOUND, { id, channel: 'SMS' }, agent)).errors).toBeUndefined();
    const audit = await gql('query($id: ID) { auditEvents(endUserId: $id, first: 50) { edges { node { action } } } }', { id }, officer);
    expect(audit.data.auditEvents.edges.map((edge: any) => edge.node.action)).toEqual(expect.arrayContaining(['RESTRICTED', 'RESTRICTION_LIFTED', 'PRIVACY_REQUEST_COMPLETED']));
  });
});

describe('objection', () => {
  it('opts the person out of contact on every channel', async () => {
    const id = await newEndUser(admin, '7201');
    const objection = await gql(REQUEST, { input: { endUserId: id, kind: 'OBJECTION' } }, officer);
    expect(objection.data.createPrivacyRequest.status).toBe('COMPLETED');
    for (const channel of ['VOICE', 'CHAT', 'EMAIL', 'SMS', 'SOCIAL']) {
      const contact = await gql(OUTBOUND, { id, channel }, agent);
      expectCode(contact, 'FORBIDDEN');
    }
    expect(await interactionCount(id)).toBe(0);
  });
});
