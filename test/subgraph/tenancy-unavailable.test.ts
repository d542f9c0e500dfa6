import { testEnvironment, type TestEnvironment } from '../helpers/environment';
import { codes, operation } from '../helpers/graphql';
import { subgraphHarness, type SubgraphHarness } from '../helpers/subgraph-harness';

/**
 * Identity cannot be asked whether the end-user exists (the harness points every service link at
 * a port nobody listens on): every write naming one fails closed in each subgraph that writes.
 */
let world: TestEnvironment;
const harness = {} as Record<'interactions' | 'consent' | 'crm', SubgraphHarness>;
const acme = { id: 'tenant-acme', slug: 'acme' };
const endUserId = '6f1c2f4e-2a44-4d0f-9d8e-3c1b5a7e9f10';
let connectionId: string;

beforeAll(async () => {
  world = await testEnvironment();
  for (const name of ['interactions', 'consent', 'crm'] as const) harness[name] = await subgraphHarness(name, { world });
  const created = await harness.crm.as({ tenant: acme, roles: ['admin'] }).data(
    operation<{ createCrmConnection: { id: string } }>(/* GraphQL */ `
      mutation { createCrmConnection(input: { name: "HubSpot", provider: HUBSPOT, role: SERVICE_PROVIDER, baseUrl: "http://127.0.0.1:9", credentials: { accessToken: "pat-na1-test" } }) { id } }
    `),
  );
  connectionId = created.createCrmConnection.id;
});
afterAll(async () => {
  for (const subgraph of Object.values(harness)) await subgraph?.close();
  await world?.cleanup();
});

it('answers UNAVAILABLE and writes nothing when identity does not answer', async () => {
  const e = endUserId;
  const writes: ['interactions' | 'consent' | 'crm', string, Record<string, unknown>][] = [
    ['interactions', /* GraphQL */ 'mutation($e: ID) { recordInteraction(input: { endUserId: $e, channel: CHAT, direction: INBOUND }) { id } }', { e }],
    ['consent', /* GraphQL */ 'mutation($e: ID!) { recordConsent(input: { endUserId: $e, purpose: ANALYTICS, granted: true, source: AGENT }) { id } }', { e }],
    ['consent', /* GraphQL */ 'mutation($e: ID!) { optOutOfContact(endUserId: $e, channel: EMAIL, source: AGENT) { id } }', { e }],
    ['crm', /* GraphQL */ 'mutation($e: ID!, $c: ID!) { linkCrmRecord(input: { endUserId: $e, connectionId: $c, externalId: "x-1" }) { id } }', { e, c: connectionId }],
  ];
  const count = async () => {
    let rows = 0;
    for (const { dataSource: source } of Object.values(harness)) {
      for (const { tableName } of source.entityMetadatas) {
        for (const row of await source.query(`SELECT * FROM ${source.driver.escape(tableName)}`)) if (JSON.stringify(row).includes(e)) rows += 1;
      }
    }
    return rows;
  };
  const before = await count();
  for (const [subgraph, query, variables] of writes) {
    expect(codes(await harness[subgraph].as({ tenant: acme, roles: ['admin'] }).send(query, variables))).toEqual(['UNAVAILABLE']);
  }
  expect(await count()).toBe(before);
  // Writes naming nobody do not need identity.
  const alone = await harness.interactions.as({ tenant: acme, roles: ['admin'] }).send('mutation { recordInteraction(input: { channel: CHAT, direction: INBOUND }) { id } }');
  expect(alone.errors).toBeUndefined();
});
