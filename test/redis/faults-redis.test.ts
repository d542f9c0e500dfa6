import { codes } from '../helpers/environment';
import { eventually } from '../helpers/eventually';
import { seededStack, type SeededStack } from '../helpers/stack';
import { startTcpProxy, timed, type TcpProxy } from '../helpers/tcp-proxy';

/**
 * Redis (shared rate-limit budgets, access versions) down or hung behind a proxy the test controls:
 * reads are still served (rate limits per instance, access answers from identity; see README,
 * Scale-out), never a 500, within the command timeout; once Redis answers again they go on without a
 * restart. Access changes are refused UNAVAILABLE meanwhile (test/redis/redis-outage.test.ts).
 */
let proxy: TcpProxy;
let world: SeededStack;
let admin: string;

const QUERY = '{ endUsers(first: 1) { edges { node { id } } } }';

beforeAll(async () => {
  const url = new URL(process.env.REDIS_URL!);
  proxy = await startTcpProxy(Number(url.port || 6379), url.hostname);
  url.port = String(proxy.port);
  world = await seededStack({ endUsersPerTenant: 1, env: { REDIS_URL: url.toString(), REDIS_TIMEOUT_MS: '500' } });
  admin = await world.env.token({ tenant: 'acme', roles: ['admin'] });
});

afterAll(async () => {
  proxy?.set('forward');
  await world?.close();
  await proxy?.close();
});

it.each(['stall', 'refuse'] as const)('serves reads while Redis is unreachable (%s), then recovers', async (mode) => {
  const before = await world.as(admin).send(QUERY);
  expect(before.status).toBe(200);
  expect(before.data.endUsers.edges).toHaveLength(1);
  proxy.set(mode);
  const { ms, result } = await timed(() => world.as(admin).send(QUERY));
  console.log(`[faults] Redis ${mode === 'stall' ? 'hung' : 'down'}: answered in ${ms} ms`);
  expect(result.status).toBe(200);
  expect(codes(result)).toEqual([]);
  expect(result.data.endUsers.edges).toHaveLength(1);
  expect(JSON.stringify(result)).not.toMatch(/INTERNAL_SERVER_ERROR|127\.0\.0\.1|stack/);
  proxy.set('forward');
  // ioredis reconnects on its own, with a short backoff.
  const again = await eventually(
    async () => {
      const answer = await world.as(admin).send(QUERY);
      expect(answer.status).toBe(200);
      return answer;
    },
    { timeoutMs: 4_000, intervalMs: 200, what: 'an answer once Redis is back' },
  );
  expect(again.data.endUsers.edges).toHaveLength(1);
});
