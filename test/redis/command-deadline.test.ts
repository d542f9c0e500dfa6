import Redis from 'ioredis';
import { closeRedisClient, createRedisClient, firstConnection } from '../../platform/redis';
import { startTcpProxy, timed, type TcpProxy } from '../helpers/tcp-proxy';

/**
 * The Redis command deadline (platform/redis.ts): a command fails when no reply has been read by the
 * first look at the sockets after its deadline. A loop kept busy past the deadline must not fail a
 * command whose reply came back meanwhile; a hung Redis still fails it at about the deadline.
 */
const DEADLINE_MS = 200;
const url = process.env.REDIS_URL!;
const clients: Redis[] = [];
let proxy: TcpProxy | undefined;

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => closeRedisClient(client)));
  proxy?.set('forward');
  await proxy?.close();
  proxy = undefined;
});

/** Redis through a proxy the test can stall (closed after each test), and its URL. */
async function behindProxy(): Promise<{ target: string; proxy: TcpProxy }> {
  const target = new URL(url);
  proxy = await startTcpProxy(Number(target.port || 6379), target.hostname);
  target.port = String(proxy.port);
  return { target: target.toString(), proxy };
}

async function open(client: Redis): Promise<Redis> {
  clients.push(client);
  await firstConnection(client);
  await client.ping();
  return client;
}

/** Sends a PING, lets it leave, then keeps the loop busy for `ms` before the reply can be read. */
async function pingWhileBusy(client: Redis, ms: number): Promise<string> {
  const answer = client.ping().then(
    (reply) => reply,
    (error: Error) => `failed: ${error.message}`,
  );
  // Auto-pipelined or not, the command is written by the end of this turn.
  await new Promise((resolve) => setImmediate(resolve));
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: other requests' work on a loaded process
  }
  return answer;
}

it.each([false, true])('a reply read after a busy loop passed the deadline is used (auto-pipelining %s)', async (enableAutoPipelining) => {
  const client = await open(createRedisClient(url, { name: 'test-deadline', commandTimeoutMs: DEADLINE_MS, enableAutoPipelining }));
  expect(await pingWhileBusy(client, DEADLINE_MS * 2)).toBe('PONG');
  // The same wait in ioredis's own deadline fails the command: the busy loop above does pass it.
  const bare = new Redis(url, { commandTimeout: DEADLINE_MS, enableAutoPipelining, lazyConnect: false });
  clients.push(bare);
  await bare.ping();
  expect(await pingWhileBusy(bare, DEADLINE_MS * 2)).toBe('failed: Command timed out');
});

it('a command to a hung Redis fails at about its deadline, and the client goes on once it answers', async () => {
  const { target, proxy } = await behindProxy();
  const client = await open(createRedisClient(target, { name: 'test-deadline-hung', commandTimeoutMs: DEADLINE_MS }));
  proxy.set('stall');
  const { ms, result } = await timed(() => client.ping().then(() => 'answered', (error: Error) => error.message));
  expect(result).toBe('Command timed out');
  expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 5);
  expect(ms).toBeLessThan(DEADLINE_MS + 1_000);
  proxy.set('forward');
  expect(await client.ping()).toBe('PONG');
});

it('a pipeline and a transaction carry the deadline too', async () => {
  const { target, proxy } = await behindProxy();
  const client = await open(createRedisClient(target, { name: 'test-deadline-multi', commandTimeoutMs: DEADLINE_MS }));
  proxy.set('stall');
  const outcome = await client
    .multi()
    .ping()
    .exec()
    .then(() => 'answered', (error: Error) => error.message);
  expect(outcome).toMatch(/timed out/);
  proxy.set('forward');
});

it('a client opened without a deadline waits for its reply', async () => {
  const { target, proxy } = await behindProxy();
  const client = await open(createRedisClient(target, { name: 'test-no-deadline', commandTimeout: undefined }));
  proxy.set('stall');
  let settled = false;
  const answer = client.ping().finally(() => (settled = true));
  await new Promise((resolve) => setTimeout(resolve, DEADLINE_MS * 3));
  expect(settled).toBe(false);
  proxy.set('forward');
  expect(await answer).toBe('PONG');
});
