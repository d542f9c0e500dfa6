import net from 'node:net';
import { bearer, codes, postGraphQL } from '../helpers/environment';
import { seededStack, type SeededStack } from '../helpers/stack';

/** Identity cannot be asked whether the end-user exists: every write naming one fails closed. */
let world: SeededStack;
let admin: string;
let connectionId: string;

async function deadUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/graphql`;
}

const gql = (query: string, variables: Record<string, unknown>) => postGraphQL(world.stack.gatewayUrl, query, variables, bearer(admin));

beforeAll(async () => {
  // Only the other subgraphs' calls to identity go nowhere; the gateway still reaches it.
  world = await seededStack({ endUsersPerTenant: 1, env: { IDENTITY_URL: await deadUrl() } });
  admin = await world.env.token({ tenant: 'acme', roles: ['admin'] });
  connectionId = (await gql('{ crmConnections { edges { node { id } } } }', {})).data.crmConnections.edges[0].node.id;
});
afterAll(() => world?.close());

it('answers UNAVAILABLE and writes nothing when identity does not answer', async () => {
  const e = world.acme.endUserIds[0];
  const writes: [string, Record<string, unknown>][] = [
    ['mutation($e: ID) { recordInteraction(input: { endUserId: $e, channel: CHAT, direction: INBOUND }) { id } }', { e }],
    ['mutation($e: ID!) { recordConsent(input: { endUserId: $e, purpose: ANALYTICS, granted: true, source: AGENT }) { id } }', { e }],
    ['mutation($e: ID!) { optOutOfContact(endUserId: $e, channel: EMAIL, source: AGENT) { id } }', { e }],
    ['mutation($e: ID!, $c: ID!) { linkCrmRecord(input: { endUserId: $e, connectionId: $c, externalId: "x-1" }) { id } }', { e, c: connectionId }],
  ];
  const count = async () => {
    let rows = 0;
    for (const name of ['interactions', 'consent', 'crm'] as const) {
      const source = world.stack.subgraphs[name].dataSource;
      for (const { tableName } of source.entityMetadatas) {
        for (const row of await source.query(`SELECT * FROM ${source.driver.escape(tableName)}`)) if (JSON.stringify(row).includes(e)) rows += 1;
      }
    }
    return rows;
  };
  const before = await count();
  for (const [query, variables] of writes) expect(codes(await gql(query, variables))).toEqual(['UNAVAILABLE']);
  expect(await count()).toBe(before);
  // Writes naming nobody do not need identity.
  expect((await gql('mutation { recordInteraction(input: { channel: CHAT, direction: INBOUND }) { id } }', {})).errors).toBeUndefined();
});
