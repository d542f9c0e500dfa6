import { Disclosure } from '../../subgraphs/identity/entities/disclosure.entity';
import { PrivacyRequest } from '../../subgraphs/identity/entities/privacy-request.entity';
import { Interaction } from '../../subgraphs/interactions/entities/interaction.entity';
import { parseInstant } from '../../subgraphs/kit/date-time.scalar';
import { testEnvironment, type TestEnvironment } from '../helpers/environment';
import { codes, operation, type Client, type GraphQLResponse } from '../helpers/graphql';
import { subgraphHarness, type SubgraphHarness, type Tenant } from '../helpers/subgraph-harness';

/**
 * Dates go in and come back exactly as accepted, on SQLite and on MySQL/MariaDB (DATABASE_URL), or
 * are refused BAD_USER_INPUT before anything is stored. The subgraphs parse and store them; the
 * gateway passes custom scalars through untouched, so they are checked here, at the subgraphs.
 */
let world: TestEnvironment;
let identity: SubgraphHarness;
let interactions: SubgraphHarness;
let acme: Tenant;
let endUserId: string;
let admin: Client;
let officer: Client;
let agent: Client;

type Interactions = { edges: { node: { occurredAt: string } }[] };
type Recorded = { recordInteraction: { id: string; startedAt: string; endedAt: string | null; transcript: Interactions } };
const RECORD = operation<Recorded>(/* GraphQL */ `
  mutation ($input: RecordInteractionInput!) { recordInteraction(input: $input) { id startedAt endedAt transcript { edges { node { occurredAt } } } } }
`);
const READ = operation<{ interaction: { startedAt: string; endedAt: string | null; transcript: Interactions } }, { id: string }>(/* GraphQL */ `
  query ($id: ID!) { interaction(id: $id) { startedAt endedAt transcript { edges { node { occurredAt } } } } }
`);

beforeAll(async () => {
  world = await testEnvironment();
  identity = await subgraphHarness('identity', { world });
  // Interactions asks identity whether the person may be written about, over its service link.
  interactions = await subgraphHarness('interactions', { world, serviceUrls: { identity: await identity.listen() } });
  const platform = identity.as({ kind: 'platform' });
  const created = await platform.data(
    operation<{ createTenant: Tenant }>(/* GraphQL */ `
      mutation { createTenant(input: { slug: "acme", name: "Acme", deployment: PUBLIC_CLOUD, region: "eu-west-1" }) { id slug } }
    `),
  );
  acme = created.createTenant;
  const profiles = identity.as({ tenant: acme, roles: ['admin'] });
  endUserId = (await profiles.data(operation<{ createEndUser: { id: string } }>(/* GraphQL */ `mutation { createEndUser(input: { firstName: "Ada" }) { id } }`)))
    .createEndUser.id;
  agent = interactions.as({ tenant: acme, roles: ['agent'] });
  admin = identity.as({ tenant: acme, roles: ['admin'] });
  officer = identity.as({ tenant: acme, roles: ['privacy_officer'] });
});
afterAll(async () => {
  await interactions?.close();
  await identity?.close();
  await world?.cleanup();
});

const iso = (value: string) => parseInstant(value).toISOString();

/**
 * A value in a variable is refused BAD_USER_INPUT; one written into the document that the scalar
 * rejects fails the subgraph's validation, which the gateway relays as BAD_USER_INPUT with the same
 * field (signed-data-source.ts; asserted through the gateway in client-errors.test.ts).
 */
function expectRefused(response: GraphQLResponse<unknown>, field?: string, code = 'BAD_USER_INPUT'): void {
  expect(codes(response)).toEqual([code]);
  if (field) expect(response.errors![0].extensions?.field).toBe(field);
  expect(Object.values((response.data ?? {}) as object).filter((v) => v !== null)).toEqual([]);
}

/** A value the scalar itself rejects fails validation when written into the document; others are refused by the service. */
const literalCode = (value: string) => {
  try {
    parseInstant(value);
    return 'BAD_USER_INPUT';
  } catch {
    return 'GRAPHQL_VALIDATION_FAILED';
  }
};

const interactionRows = () => interactions.dataSource.getRepository(Interaction).countBy({ tenantId: acme.id });

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
    const recorded = await agent.data(RECORD, {
      input: { endUserId, channel: 'CHAT', direction: 'INBOUND', startedAt, endedAt, transcript: [{ sequence: 1, speaker: 'AGENT', text: 'hello', occurredAt: startedAt }] },
    });
    const { id } = recorded.recordInteraction;
    const read = await agent.data(READ, { id });
    expect(read.interaction).toEqual({ startedAt: iso(startedAt), endedAt, transcript: { edges: [{ node: { occurredAt: iso(startedAt) } }] } });
    const row = await interactions.dataSource.getRepository(Interaction).findOneByOrFail({ id, tenantId: acme.id });
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
    expectRefused(await agent.send(RECORD, { input: { endUserId, channel: 'CHAT', direction: 'INBOUND', startedAt } }), 'startedAt');
    const alone = /* GraphQL */ `mutation ($t: DateTimeISO) { recordInteraction(input: { endUserId: "${endUserId}", channel: CHAT, direction: INBOUND, startedAt: $t }) { id } }`;
    expectRefused(await agent.send(alone, { t: startedAt }), 'startedAt');
    if (typeof startedAt === 'string' && startedAt) {
      const literal = /* GraphQL */ `mutation { recordInteraction(input: { endUserId: "${endUserId}", channel: CHAT, direction: INBOUND, startedAt: "${startedAt}" }) { id } }`;
      expectRefused(await agent.send(literal), 'startedAt', literalCode(startedAt));
    }
    const segments = [{ sequence: 1, speaker: 'AGENT', text: 'hi' }, { sequence: 2, speaker: 'AGENT', text: 'hi', occurredAt: startedAt }];
    expectRefused(await agent.send(RECORD, { input: { endUserId, channel: 'CHAT', direction: 'INBOUND', transcript: segments } }), 'transcript[1].occurredAt');
    if (typeof startedAt === 'string' && startedAt) {
      const literal = /* GraphQL */ `mutation { recordInteraction(input: { endUserId: "${endUserId}", channel: CHAT, direction: INBOUND, transcript: [{ sequence: 1, speaker: AGENT, text: "a" }, { sequence: 2, speaker: AGENT, text: "b", occurredAt: "${startedAt}" }] }) { id } }`;
      expectRefused(await agent.send(literal), 'transcript[1].occurredAt', literalCode(startedAt));
    }
    expect(await interactionRows()).toBe(before);
  });

  it('refuses an end in the future or before the start, naming endedAt', async () => {
    const open = (await agent.data(RECORD, { input: { endUserId, channel: 'CHAT', direction: 'INBOUND', startedAt: '2026-01-01T00:00:00.000Z' } })).recordInteraction;
    const END = operation<{ endInteraction: { endedAt: string } }, { id: string; at: string }>(/* GraphQL */ `
      mutation ($id: ID!, $at: DateTimeISO) { endInteraction(id: $id, input: { endedAt: $at }) { endedAt } }
    `);
    expectRefused(await agent.send(END, { id: open.id, at: '2999-01-01T00:00:00.000Z' }), 'endedAt');
    expectRefused(await agent.send(END, { id: open.id, at: '2025-12-31T23:59:59.999Z' }), 'endedAt');
    expect((await agent.data(END, { id: open.id, at: '2026-01-01T00:00:00.001Z' })).endInteraction.endedAt).toBe('2026-01-01T00:00:00.001Z');
  });
});

describe('instants at the storable edges', () => {
  const disclose = (at: unknown) =>
    officer.send(
      operation<{ recordDisclosure: { id: string; disclosedAt: string } }>(/* GraphQL */ `
        mutation ($id: ID!, $at: DateTimeISO!) { recordDisclosure(input: { endUserId: $id, authority: "court", legalBasis: "order", reference: "r", dataCategories: ["profile"], disclosedAt: $at }) { id disclosedAt } }
      `),
      { id: endUserId, at },
    );

  it.each([['1000-01-01T00:00:00.000Z'], ['1000-01-01T00:00:00.001+00:00'], ['2000-02-29T12:34:56.789Z']])('keeps a disclosure dated %s exactly', async (at) => {
    const response = await disclose(at);
    expect(response.errors).toBeUndefined();
    expect(response.data!.recordDisclosure.disclosedAt).toBe(iso(at));
    const row = await identity.dataSource.getRepository(Disclosure).findOneByOrFail({ id: response.data!.recordDisclosure.id, tenantId: acme.id });
    expect(row.disclosedAt.toISOString()).toBe(iso(at));
  });

  it.each([['0999-12-31T23:59:59.999Z'], ['0001-01-01T00:00:00.000Z'], ['1000-01-01T00:30:00.000+01:00'], ['-000001-01-01T00:00:00Z']])(
    'refuses a disclosure dated %s, before the storable years',
    async (at) => {
      expectRefused(await disclose(at), 'disclosedAt');
    },
  );

  it('keeps a privacy request due in 9999 to the millisecond, and refuses one due after', async () => {
    const REQUEST = operation<{ createPrivacyRequest: { id: string; dueAt: string } }, { id: string; due: string }>(/* GraphQL */ `
      mutation ($id: ID!, $due: DateTimeISO) { createPrivacyRequest(input: { endUserId: $id, kind: ACCESS, dueAt: $due }) { id dueAt } }
    `);
    const kept = await officer.data(REQUEST, { id: endUserId, due: '9999-12-31T23:59:59.999Z' });
    expect(kept.createPrivacyRequest.dueAt).toBe('9999-12-31T23:59:59.999Z');
    const row = await identity.dataSource.getRepository(PrivacyRequest).findOneByOrFail({ id: kept.createPrivacyRequest.id, tenantId: acme.id });
    expect(row.dueAt.toISOString()).toBe('9999-12-31T23:59:59.999Z');
    for (const due of ['9999-12-31T23:59:59.999-00:01', '+010000-01-01T00:00:00.000Z', '+275760-09-13T00:00:00.000Z']) {
      expectRefused(await officer.send(REQUEST, { id: endUserId, due }), 'dueAt');
    }
  });
});

describe('dates of birth', () => {
  const UPDATE = operation<{ updateEndUser: { dateOfBirth: string } }, { id: string; dob: string }>(/* GraphQL */ `
    mutation ($id: ID!, $dob: String) { updateEndUser(id: $id, input: { dateOfBirth: $dob }) { dateOfBirth } }
  `);

  it.each([['2024-02-29'], ['1900-01-01']])('keeps %s', async (dob) => {
    expect((await admin.data(UPDATE, { id: endUserId, dob })).updateEndUser.dateOfBirth).toBe(dob);
  });

  it.each([['2023-02-29'], ['0001-01-01'], ['1899-12-31'], ['2999-01-01'], ['275760-01-01'], ['2026-1-1']])('refuses %s naming dateOfBirth', async (dob) => {
    expectRefused(await admin.send(UPDATE, { id: endUserId, dob }), 'dateOfBirth');
  });
});
