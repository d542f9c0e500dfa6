import { Disclosure } from '../../subgraphs/identity/entities/disclosure.entity';
import { PrivacyRequest } from '../../subgraphs/identity/entities/privacy-request.entity';
import { Interaction } from '../../subgraphs/interactions/entities/interaction.entity';
import { parseInstant } from '../../subgraphs/kit/date-time.scalar';
import { bearer, codes, postGraphQL, type GraphQLResponse } from '../helpers/environment';
import { seededStack, type SeededStack } from '../helpers/stack';

/**
 * Dates go in through the gateway and come back exactly as accepted, on SQLite and on MySQL/MariaDB
 * (DATABASE_URL), or are refused BAD_USER_INPUT before anything is stored.
 */
let world: SeededStack;
let admin: string;
let officer: string;
let endUserId: string;

beforeAll(async () => {
  world = await seededStack({ endUsersPerTenant: 1 });
  admin = await world.env.token({ tenant: 'acme', roles: ['admin'] });
  officer = await world.env.token({ tenant: 'acme', roles: ['privacy_officer'] });
  [endUserId] = world.acme.endUserIds;
});
afterAll(() => world?.close());

const gql = (query: string, variables: Record<string, unknown>, token = admin) => postGraphQL(world.stack.gatewayUrl, query, variables, bearer(token));
const iso = (value: string) => parseInstant(value).toISOString();

function expectRefused(response: GraphQLResponse, field?: string): void {
  expect(codes(response)).toEqual(['BAD_USER_INPUT']);
  if (field) expect(response.errors![0].extensions?.field).toBe(field);
  expect(Object.values(response.data ?? {}).filter((v) => v !== null)).toEqual([]);
}

const RECORD = `mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { id startedAt endedAt transcript { edges { node { occurredAt } } } } }`;
const READ = `query($id: ID!) { interaction(id: $id) { startedAt endedAt transcript { edges { node { occurredAt } } } } }`;
const interactionRows = () => world.stack.subgraphs.interactions.dataSource.getRepository(Interaction).countBy({ tenantId: world.acme.id });

describe('instants of interactions', () => {
  it.each([
    ['milliseconds', '2026-03-01T10:00:00.123Z'],
    ['the last millisecond of a leap day', '2024-02-29T23:59:59.999Z'],
    ['a positive offset', '2026-03-01T12:00:00.456+02:00'],
    ['a negative offset crossing midnight', '2025-12-31T23:30:00.007-05:30'],
    ['the start of 1970', '1970-01-01T00:00:00.000Z'],
    ['no fraction', '2026-03-01T10:00:00Z'],
    ['finer digits that are zeros', '2026-03-01T10:00:00.120000Z'],
    ['lower-case t and z', '2026-03-01t10:00:00.5z'],
  ])('stores %s exactly and reads the same instant back', async (_label, startedAt) => {
    const endedAt = new Date(parseInstant(startedAt).getTime() + 1).toISOString();
    const recorded = await gql(RECORD, {
      input: { endUserId, channel: 'CHAT', direction: 'INBOUND', startedAt, endedAt, transcript: [{ sequence: 1, speaker: 'AGENT', text: 'hello', occurredAt: startedAt }] },
    });
    expect(recorded.errors).toBeUndefined();
    const { id } = recorded.data.recordInteraction;
    const read = await gql(READ, { id });
    expect(read.data.interaction).toEqual({ startedAt: iso(startedAt), endedAt, transcript: { edges: [{ node: { occurredAt: iso(startedAt) } }] } });
    const row = await world.stack.subgraphs.interactions.dataSource.getRepository(Interaction).findOneByOrFail({ id, tenantId: world.acme.id });
    expect(row.startedAt.getTime()).toBe(parseInstant(startedAt).getTime());
  });

  it.each([
    ['year 0001', '0001-01-01T00:00:00.000Z'],
    ['year 275760', '+275760-09-13T00:00:00.000Z'],
    ['year 1000, outside an interaction’s plausible era', '1000-01-01T00:00:00.000Z'],
    ['1969', '1969-12-31T23:59:59.999Z'],
    ['the future', '2999-01-01T00:00:00.000Z'],
    ['February 29 of a common year', '2023-02-29T00:00:00.000Z'],
    ['February 30', '2026-02-30T00:00:00.000Z'],
    ['hour 24', '2026-03-01T24:00:00.000Z'],
    ['a leap second', '2016-12-31T23:59:60.000Z'],
    ['microseconds', '2026-03-01T10:00:00.123456Z'],
    ['an offset of 24 hours', '2026-03-01T10:00:00.000+24:00'],
    ['no offset', '2026-03-01T10:00:00.000'],
    ['a date alone', '2026-03-01'],
    ['a number', 1772359200000],
    ['an empty string', ''],
  ])('refuses %s BAD_USER_INPUT naming the field, and stores nothing', async (_label, startedAt) => {
    const before = await interactionRows();
    expectRefused(await gql(RECORD, { input: { endUserId, channel: 'CHAT', direction: 'INBOUND', startedAt } }), 'startedAt');
    const alone = 'mutation($t: DateTimeISO) { recordInteraction(input: { endUserId: "$E", channel: CHAT, direction: INBOUND, startedAt: $t }) { id } }';
    expectRefused(await gql(alone.replace('$E', endUserId), { t: startedAt }), 'startedAt');
    if (typeof startedAt === 'string' && startedAt) {
      const literal = await gql(`mutation { recordInteraction(input: { endUserId: "${endUserId}", channel: CHAT, direction: INBOUND, startedAt: "${startedAt}" }) { id } }`, {});
      expectRefused(literal, 'startedAt');
    }
    const segments = [{ sequence: 1, speaker: 'AGENT', text: 'hi' }, { sequence: 2, speaker: 'AGENT', text: 'hi', occurredAt: startedAt }];
    expectRefused(await gql(RECORD, { input: { endUserId, channel: 'CHAT', direction: 'INBOUND', transcript: segments } }), 'transcript[1].occurredAt');
    if (typeof startedAt === 'string' && startedAt) {
      const literal = `mutation { recordInteraction(input: { endUserId: "${endUserId}", channel: CHAT, direction: INBOUND, transcript: [{ sequence: 1, speaker: AGENT, text: "a" }, { sequence: 2, speaker: AGENT, text: "b", occurredAt: "${startedAt}" }] }) { id } }`;
      expectRefused(await gql(literal, {}), 'transcript[1].occurredAt');
    }
    expect(await interactionRows()).toBe(before);
  });

  it('refuses an end in the future or before the start, naming endedAt', async () => {
    const open = (await gql(RECORD, { input: { endUserId, channel: 'CHAT', direction: 'INBOUND', startedAt: '2026-01-01T00:00:00.000Z' } })).data.recordInteraction;
    const END = 'mutation($id: ID!, $at: DateTimeISO) { endInteraction(id: $id, input: { endedAt: $at }) { endedAt } }';
    expectRefused(await gql(END, { id: open.id, at: '2999-01-01T00:00:00.000Z' }), 'endedAt');
    expectRefused(await gql(END, { id: open.id, at: '2025-12-31T23:59:59.999Z' }), 'endedAt');
    expect((await gql(END, { id: open.id, at: '2026-01-01T00:00:00.001Z' })).data.endInteraction.endedAt).toBe('2026-01-01T00:00:00.001Z');
  });
});

describe('instants at the storable edges', () => {
  const DISCLOSE = `mutation($at: DateTimeISO!) { recordDisclosure(input: { endUserId: "${'$ID'}", authority: "court", legalBasis: "order", reference: "r", dataCategories: ["profile"], disclosedAt: $at }) { id disclosedAt } }`;
  const disclose = (at: unknown) => gql(DISCLOSE.replace('$ID', endUserId), { at }, officer);

  it.each([['1000-01-01T00:00:00.000Z'], ['1000-01-01T00:00:00.001+00:00'], ['2000-02-29T12:34:56.789Z']])('keeps a disclosure dated %s exactly', async (at) => {
    const response = await disclose(at);
    expect(response.errors).toBeUndefined();
    expect(response.data.recordDisclosure.disclosedAt).toBe(iso(at));
    const row = await world.stack.subgraphs.identity.dataSource.getRepository(Disclosure).findOneByOrFail({ id: response.data.recordDisclosure.id, tenantId: world.acme.id });
    expect(row.disclosedAt.toISOString()).toBe(iso(at));
  });

  it.each([['0999-12-31T23:59:59.999Z'], ['0001-01-01T00:00:00.000Z'], ['1000-01-01T00:30:00.000+01:00'], ['-000001-01-01T00:00:00Z']])(
    'refuses a disclosure dated %s, before the storable years',
    async (at) => {
      expectRefused(await disclose(at), 'disclosedAt');
    },
  );

  it('keeps a privacy request due in 9999 to the millisecond, and refuses one due after', async () => {
    const REQUEST = `mutation($due: DateTimeISO) { createPrivacyRequest(input: { endUserId: "${endUserId}", kind: ACCESS, dueAt: $due }) { id dueAt } }`;
    const kept = await gql(REQUEST, { due: '9999-12-31T23:59:59.999Z' }, officer);
    expect(kept.errors).toBeUndefined();
    expect(kept.data.createPrivacyRequest.dueAt).toBe('9999-12-31T23:59:59.999Z');
    const row = await world.stack.subgraphs.identity.dataSource.getRepository(PrivacyRequest).findOneByOrFail({ id: kept.data.createPrivacyRequest.id, tenantId: world.acme.id });
    expect(row.dueAt.toISOString()).toBe('9999-12-31T23:59:59.999Z');
    for (const due of ['9999-12-31T23:59:59.999-00:01', '+010000-01-01T00:00:00.000Z', '+275760-09-13T00:00:00.000Z']) {
      expectRefused(await gql(REQUEST, { due }, officer), 'dueAt');
    }
  });
});

describe('dates of birth', () => {
  const UPDATE = `mutation($id: ID!, $dob: String) { updateEndUser(id: $id, input: { dateOfBirth: $dob }) { dateOfBirth } }`;

  it.each([['2024-02-29'], ['1900-01-01']])('keeps %s', async (dob) => {
    const response = await gql(UPDATE, { id: endUserId, dob });
    expect(response.errors).toBeUndefined();
    expect(response.data.updateEndUser.dateOfBirth).toBe(dob);
  });

  it.each([['2023-02-29'], ['0001-01-01'], ['1899-12-31'], ['2999-01-01'], ['275760-01-01'], ['2026-1-1']])('refuses %s naming dateOfBirth', async (dob) => {
    expectRefused(await gql(UPDATE, { id: endUserId, dob }), 'dateOfBirth');
  });
});
