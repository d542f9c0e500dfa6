import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { RedisAccessEvents } from '../../platform/access-events';
import { propagationTests, type PropagationWorld } from '../helpers/access-scenarios';
import { buildGateway, spawnGateway, type GatewayProcess } from '../helpers/gateway-process';
import { seededStack, type SeededStack } from '../helpers/stack';

// Runs when REDIS_URL names a Redis server (CI sets it). Identity bumps each tenant's access
// version in Redis before a change answers; two gateway processes, with a minute-long cache, read
// it on every request.
const redisUrl = process.env.REDIS_URL!;
let world: SeededStack;
let build: Awaited<ReturnType<typeof buildGateway>>;
const gateways: GatewayProcess[] = [];

beforeAll(async () => {
  build = await buildGateway();
  world = await seededStack({ env: { ACCESS_CACHE_TTL_MS: '60000', REDIS_URL: redisUrl, TRUST_PROXY: 'loopback' } });
}, 180_000);
afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.close()));
  await world?.close();
  build?.cleanup();
});

const separateGateway = async (env: Record<string, string>) => {
  const gateway = await spawnGateway(build.entry, { keysDir: world.env.gatewayConfig.keysDir, subgraphUrls: world.stack.subgraphUrls, env });
  gateways.push(gateway);
  return gateway.url;
};

describe('a gateway in its own process with REDIS_URL and a minute-long cache', () => {
  const state = {} as PropagationWorld;
  beforeAll(async () => Object.assign(state, { world, caches: true, url: await separateGateway({ ACCESS_CACHE_TTL_MS: '60000', REDIS_URL: redisUrl }) }), 60_000);
  propagationTests(() => state);
});

describe('a gateway in its own process with REDIS_URL and the cache off', () => {
  const state = {} as PropagationWorld;
  beforeAll(async () => Object.assign(state, { world, caches: false, url: await separateGateway({ ACCESS_CACHE_TTL_MS: '0', REDIS_URL: redisUrl }) }), 60_000);
  propagationTests(() => state);
});

describe('versions in Redis', () => {
  it('a bump is visible to every reader as soon as publish resolves, per tenant and for all tenants', async () => {
    const a = new RedisAccessEvents(redisUrl);
    const b = new RedisAccessEvents(redisUrl);
    try {
      const slug = `v-${randomBytes(4).toString('hex')}`;
      const before = (await b.versions(slug))!;
      const other = (await b.versions(`${slug}-other`))!;
      await a.publish(slug);
      const after = (await b.versions(slug))!;
      expect(after.tenant).not.toBe(before.tenant);
      expect(after.all).not.toBe(before.all);
      expect((await b.versions(`${slug}-other`))!.tenant).toBe(other.tenant);
      expect((await b.versions(null))!.tenant).toBe(after.all);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a change that cannot be announced answers UNAVAILABLE; versions that cannot be read are null, so nothing cached is used', async () => {
    // A port nobody listens on stands for Redis being down.
    const server = await new Promise<import('node:net').Server>((resolve) => {
      const s = require('node:net').createServer();
      s.listen(0, '127.0.0.1', () => resolve(s));
    });
    const { port } = server.address() as import('node:net').AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const down = new RedisAccessEvents(`redis://127.0.0.1:${port}`);
    try {
      await expect(down.publish('acme')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      expect(await down.versions('acme')).toBeNull();
    } finally {
      await down.close();
    }
  });

  it('leaves nothing but version counters in Redis', async () => {
    const redis = new Redis(redisUrl);
    try {
      const keys = await redis.keys('cx:access-version:*');
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) expect(await redis.get(key)).toMatch(/^\d+$/);
    } finally {
      await redis.quit();
    }
  });
});
