import { codes, type GraphQLResponse } from '../helpers/environment';
import { seededStack, type SeededStack } from '../helpers/stack';
import { startTcpProxy, timed, type TcpProxy } from '../helpers/tcp-proxy';

/**
 * A database that stops answering mid-run (a proxy in front of MariaDB that stops forwarding):
 * requests answer UNAVAILABLE within the query timeout instead of hanging, the stalled connections
 * are destroyed rather than handed back to the pool, and once the database answers again requests
 * succeed without a restart. MariaDB only (DATABASE_URL), like the rest of test/mysql.
 */
const QUERY_TIMEOUT_MS = 1_500;
let proxy: TcpProxy;
let world: SeededStack;
let admin: string;
const original = process.env.DATABASE_URL!;

const PROFILES = '{ endUsers(first: 2) { edges { node { id firstName interactions(first: 1) { edges { node { id } } } consents { edges { node { purpose } } } } } } }';

beforeAll(async () => {
  const url = new URL(original);
  proxy = await startTcpProxy(Number(url.port || 3306), url.hostname);
  url.port = String(proxy.port);
  // The test environment derives this file's own databases from DATABASE_URL: all through the proxy.
  process.env.DATABASE_URL = url.toString();
  world = await seededStack({
    endUsersPerTenant: 2,
    env: { DB_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS), DB_CONNECT_TIMEOUT_MS: '1000', DB_ACQUIRE_TIMEOUT_MS: '1000', ACCESS_CACHE_TTL_MS: '0' },
  });
  admin = await world.env.token({ tenant: 'acme', roles: ['admin'] });
}, 120_000);

afterAll(async () => {
  proxy?.set('forward');
  await world?.close();
  await proxy?.close();
  process.env.DATABASE_URL = original;
});

const answered = (response: GraphQLResponse) => {
  expect(response.status).toBe(200);
  expect(response.errors).toBeUndefined();
  expect(response.data.endUsers.edges).toHaveLength(2);
};

it('answers UNAVAILABLE (503) while the database stalls, and recovers when it answers again', async () => {
  answered(await world.as(admin).send(PROFILES));
  proxy.set('stall');
  const times: number[] = [];
  // More requests than the pool has connections: a poisoned pool would hang the later ones.
  for (let round = 0; round < 3; round++) {
    const results = await Promise.all(Array.from({ length: 6 }, () => timed(() => world.as(admin).send(PROFILES))));
    for (const { ms, result } of results) {
      times.push(ms);
      expect(result.status).toBe(503);
      expect(new Set(codes(result))).toEqual(new Set(['UNAVAILABLE']));
      expect(JSON.stringify(result)).not.toMatch(/INTERNAL_SERVER_ERROR|SELECT|127\.0\.0\.1|stack/);
    }
  }
  console.log(`[faults] database stalled: answers in ${Math.min(...times)}-${Math.max(...times)} ms (query timeout ${QUERY_TIMEOUT_MS} ms)`);

  proxy.set('forward');
  // The stalled connections were destroyed; fresh ones serve at once, for each subgraph.
  for (let i = 0; i < 3; i++) answered(await world.as(admin).send(PROFILES));
});

it('answers UNAVAILABLE when the database refuses connections, and recovers', async () => {
  proxy.set('refuse');
  const { ms, result } = await timed(() => world.as(admin).send(PROFILES));
  console.log(`[faults] database down: answered in ${ms} ms`);
  expect(result.status).toBe(503);
  expect(new Set(codes(result))).toEqual(new Set(['UNAVAILABLE']));
  proxy.set('forward');
  answered(await world.as(admin).send(PROFILES));
});
