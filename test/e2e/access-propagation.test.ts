import { propagationTests, type PropagationWorld } from '../helpers/access-scenarios';
import { buildGateway, run, spawnGateway, type GatewayProcess } from '../helpers/gateway-process';
import { seededStack, type SeededStack } from '../helpers/stack';

// Without Redis: the gateway in a process of its own (a tsc build, as deployed) and identity in
// this one. Identity's versions live in its own memory, so the other gateway must never reuse an
// answer; the stack's own gateway, in identity's process, may.
let world: SeededStack;
let build: Awaited<ReturnType<typeof buildGateway>>;
const gateways: GatewayProcess[] = [];

beforeAll(async () => {
  build = await buildGateway();
  world = await seededStack({ env: { ACCESS_CACHE_TTL_MS: '60000', TRUST_PROXY: 'loopback' } });
}, 180_000);
afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.close()));
  await world?.close();
  build?.cleanup();
});

async function separateGateway(env: Record<string, string>): Promise<string> {
  const gateway = await spawnGateway(build.entry, { keysDir: world.env.gatewayConfig.keysDir, subgraphUrls: world.stack.subgraphUrls, env });
  gateways.push(gateway);
  return gateway.url;
}

describe('a gateway in its own process with the cache off (ACCESS_CACHE_TTL_MS=0)', () => {
  const state = {} as PropagationWorld;
  beforeAll(async () => Object.assign(state, { world, caches: false, url: await separateGateway({ ACCESS_CACHE_TTL_MS: '0' }) }), 60_000);
  propagationTests(() => state);
});

describe('a gateway in its own process with a cache TTL but no REDIS_URL: it reuses nothing', () => {
  const state = {} as PropagationWorld;
  beforeAll(async () => Object.assign(state, { world, caches: false, url: await separateGateway({ ACCESS_CACHE_TTL_MS: '60000' }) }), 60_000);
  propagationTests(() => state);
});

describe('the gateway in identity’s own process (npm start), caching', () => {
  const state = {} as PropagationWorld;
  beforeAll(() => Object.assign(state, { world, caches: true, url: world.stack.gatewayUrl }));
  propagationTests(() => state);
});

describe('production start-up', () => {
  const production = {
    NODE_ENV: 'production',
    JWKS_URL: 'https://idp.example/.well-known/jwks.json',
    TOKEN_ISSUER: 'https://idp.example/',
    CONTEXT_SIGNING_SECRET: 'x'.repeat(43),
    CLIENT_TOKEN_PRIVATE_KEY: '{}',
    PORT: '0',
  };

  it.each([
    ['the default cache TTL', {}],
    ['an explicit cache TTL', { ACCESS_CACHE_TTL_MS: '5000' }],
    ['an empty REDIS_URL', { ACCESS_CACHE_TTL_MS: '1', REDIS_URL: '' }],
  ])('refuses to start with %s and no REDIS_URL, naming what to set', async (_name, extra) => {
    const { code, output } = await run(process.execPath, [build.entry], { PATH: process.env.PATH ?? '', ...production, ...extra });
    expect(code).not.toBe(0);
    expect(output).toContain('REDIS_URL');
    expect(output).toContain('ACCESS_CACHE_TTL_MS=0');
    expect(output).not.toContain('gateway ready');
  });
});
