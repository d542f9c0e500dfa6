import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { applyApolloTelemetry, loadContextSigningSecret, loadGatewayConfig } from '../../gateway/config';
import { ConfigError, linksOf, loadSubgraphConfig, SHARED_PROCESS, TOOL } from '../../subgraphs/kit/config';
import { formatServiceKeys } from '../../subgraphs/kit/service-client';

const secret = () => randomBytes(32).toString('base64url');
const jwk = () => JSON.stringify({ ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), alg: 'ES256', kid: 'k1' });

const gateway = {
  NODE_ENV: 'production',
  JWKS_URL: 'https://idp.example/.well-known/jwks.json',
  TOKEN_ISSUER: 'https://idp.example/',
  CONTEXT_SIGNING_SECRET: secret(),
  CLIENT_TOKEN_PRIVATE_KEY: jwk(),
  REDIS_URL: 'redis://redis:6379',
};
const master = randomBytes(32);
const subgraph = (name: 'identity' | 'interactions' | 'consent' | 'crm') => ({
  NODE_ENV: 'production',
  DATABASE_URL: 'mysql://cx:pw@db:3306/cx',
  CONTEXT_KEY: secret(),
  MASTER_KEYS: `k1:${secret()}`,
  SERVICE_KEYS: formatServiceKeys(master, name),
});

function problemsOf(read: () => unknown): string[] {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('gateway configuration', () => {
  it('starts in production with everything `npm run secrets` writes and the outside values', () => {
    const config = loadGatewayConfig(gateway);
    expect(config.contextSigningSecret).toBe(gateway.CONTEXT_SIGNING_SECRET);
    expect(JSON.parse(config.clientTokenPrivateKey!).kid).toBe('k1');
    expect(config.host).toBe('0.0.0.0');
  });

  it('reports every missing production value at once, each with how to produce it', () => {
    const problems = problemsOf(() => loadGatewayConfig({ NODE_ENV: 'production' }));
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^JWKS_URL is required in production: .*JWKS URL/),
      expect.stringMatching(/^TOKEN_ISSUER is required in production: /),
      expect.stringMatching(/^CONTEXT_SIGNING_SECRET is required in production: run `npm run secrets`/),
      expect.stringMatching(/^CLIENT_TOKEN_PRIVATE_KEY is required in production: run `npm run secrets`/),
      expect.stringMatching(/REDIS_URL.*ACCESS_CACHE_TTL_MS=0/),
    ]));
    expect(problems).toHaveLength(5);
  });

  it('reports bad values together with missing ones, naming each variable and never echoing a secret', () => {
    const leaked = 'short-secret-value';
    const problems = problemsOf(() =>
      loadGatewayConfig({ ...gateway, PORT: 'eighty', QUERY_MAX_DEPTH: '0', CLIENT_TOKEN_TTL_SECONDS: '5', CONTEXT_SIGNING_SECRET: leaked, CLIENT_TOKEN_PRIVATE_KEY: '{"kty":"oct","k":"abc"}', JWKS_URL: 'ftp://idp', REDIS_URL: 'http://redis' }),
    );
    expect(problems.map((p) => p.split(' ')[0])).toEqual(expect.arrayContaining(['PORT', 'QUERY_MAX_DEPTH', 'CLIENT_TOKEN_TTL_SECONDS', 'CONTEXT_SIGNING_SECRET', 'CLIENT_TOKEN_PRIVATE_KEY', 'JWKS_URL', 'REDIS_URL']));
    expect(problems).toHaveLength(7);
    expect(problems.join('\n')).not.toContain(leaked);
    expect(problems.join('\n')).not.toContain('abc');
  });

  it.each([['not json'], ['{}'], [JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'a', y: 'b' })], [JSON.stringify({ kty: 'EC', crv: 'P-384', x: 'a', y: 'b', d: 'c' })]])(
    'refuses a client-token key that is not a private ES256 JWK: %s',
    (value) => {
      expect(problemsOf(() => loadGatewayConfig({ ...gateway, CLIENT_TOKEN_PRIVATE_KEY: value }))).toEqual([expect.stringMatching(/^CLIENT_TOKEN_PRIVATE_KEY must be a private ES256/)]);
    },
  );

  it('keeps the development defaults', () => {
    const config = loadGatewayConfig({});
    expect(config).toMatchObject({ production: false, port: 4000, host: '127.0.0.1', tokenIssuer: 'cx-dev-issuer', accessCacheTtlMs: 5000, clientTokenTtlSeconds: 900 });
    expect(config.contextSigningSecret).toBeUndefined();
  });

  it('keeps @apollo/gateway from exporting usage to Apollo unless APOLLO_TELEMETRY_DISABLED=false, in both modes', () => {
    expect(loadGatewayConfig({}).apolloTelemetry).toBe(false);
    expect(loadGatewayConfig(gateway).apolloTelemetry).toBe(false);
    expect(loadGatewayConfig({ APOLLO_TELEMETRY_DISABLED: 'false' }).apolloTelemetry).toBe(true);
    expect(problemsOf(() => loadGatewayConfig({ APOLLO_TELEMETRY_DISABLED: 'perhaps' }))).toEqual([expect.stringMatching(/^APOLLO_TELEMETRY_DISABLED must be true or false/)]);
    const before = process.env.APOLLO_TELEMETRY_DISABLED;
    try {
      applyApolloTelemetry({ apolloTelemetry: false });
      expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('true');
      applyApolloTelemetry({ apolloTelemetry: true });
      expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('false');
    } finally {
      if (before === undefined) delete process.env.APOLLO_TELEMETRY_DISABLED;
      else process.env.APOLLO_TELEMETRY_DISABLED = before;
    }
  });

  it('context-key’s reader requires the real secret in production and validates it', () => {
    expect(problemsOf(() => loadContextSigningSecret({ NODE_ENV: 'production' }))).toEqual([expect.stringMatching(/^CONTEXT_SIGNING_SECRET is required in production: run `npm run secrets`/)]);
    expect(problemsOf(() => loadContextSigningSecret({ CONTEXT_SIGNING_SECRET: 'abc' }))).toEqual([expect.stringMatching(/^CONTEXT_SIGNING_SECRET must be at least 32 bytes/)]);
    expect(loadContextSigningSecret({ NODE_ENV: 'production', CONTEXT_SIGNING_SECRET: gateway.CONTEXT_SIGNING_SECRET }).secret).toBe(gateway.CONTEXT_SIGNING_SECRET);
  });
});

describe('subgraph configuration', () => {
  it('starts in production with its generated secrets', () => {
    for (const name of ['identity', 'interactions', 'consent', 'crm'] as const) {
      expect(loadSubgraphConfig(subgraph(name), name).production).toBe(true);
    }
  });

  it('reports every missing production value at once, each with the file that holds it', () => {
    const problems = problemsOf(() => loadSubgraphConfig({ NODE_ENV: 'production' }, 'crm'));
    expect(problems).toEqual([
      expect.stringMatching(/^DATABASE_URL is required in production: set mysql:/),
      'CONTEXT_KEY is required in production: run `npm run secrets` and start with the generated deploy/env files (deploy/env/crm.env)',
      'MASTER_KEYS is required in production: run `npm run secrets` and start with the generated deploy/env files (deploy/env/crm.env)',
      'SERVICE_KEYS is required in production: run `npm run secrets` and start with the generated deploy/env files (deploy/env/crm.env)',
    ]);
  });

  it('refuses SERVICE_KEYS lacking a link of the subgraph started, another subgraph’s set, or malformed ones', () => {
    expect(problemsOf(() => loadSubgraphConfig({ ...subgraph('identity'), SERVICE_KEYS: formatServiceKeys(master, 'crm') }, 'identity'))).toEqual([
      expect.stringMatching(/^SERVICE_KEYS lacks the identity links interactions>identity, consent>identity, identity>interactions, identity>consent: run `npm run secrets`/),
    ]);
    for (const bad of ['identity>crm', 'identity>crm:short', 'identity-crm:' + secret()]) {
      expect(problemsOf(() => loadSubgraphConfig({ ...subgraph('crm'), SERVICE_KEYS: bad }, 'crm'))).toEqual([expect.stringMatching(/^SERVICE_KEYS entries must be/)]);
    }
    expect(linksOf('consent')).toEqual(['interactions>consent', 'consent>identity', 'crm>consent', 'identity>consent']);
  });

  it.each(['k1', `k1:${randomBytes(16).toString('base64url')}`, `k 1:${secret()}`, `k1:${secret()}:x`, ','])('refuses MASTER_KEYS %s', (value) => {
    expect(problemsOf(() => loadSubgraphConfig({ ...subgraph('consent'), MASTER_KEYS: value }, 'consent'))).toEqual([expect.stringMatching(/^MASTER_KEYS must be id:key/)]);
  });

  it('collects bad values of every kind together', () => {
    const problems = problemsOf(() => loadSubgraphConfig({ NODE_ENV: 'test', DATABASE_URL: 'postgres://x', SEED: 'maybe', IDENTITY_PORT: '70000', CRM_RETRIES: '9', CRM_ALLOWED_HOSTS: 'a/b,c:1', CRM_FAKE_TLS_CERT: 'cert.pem', CRM_URL: 'crm:4004' }));
    expect(problems.map((p) => p.split(/[ :]/)[0])).toEqual(['DATABASE_URL', 'IDENTITY_PORT', 'CRM_URL', 'SEED', 'CRM_RETRIES', 'CRM_FAKE_TLS_CERT', 'CRM_ALLOWED_HOSTS']);
  });

  it('turns the demo seed off in production unless asked', () => {
    expect(loadSubgraphConfig({}).seed).toBe(true);
    expect(loadSubgraphConfig(subgraph('identity')).seed).toBe(false);
    expect(loadSubgraphConfig({ ...subgraph('identity'), SEED: 'true' }).seed).toBe(true);
    expect(loadSubgraphConfig({ SEED: 'off' }).seed).toBe(false);
  });

  it('points the demo CRM connections at CRM_FAKE_PORT, or at CRM_FAKE_URL', () => {
    expect(loadSubgraphConfig({}).crm.fakeUrl).toBe('http://127.0.0.1:4010');
    expect(loadSubgraphConfig({ CRM_FAKE_PORT: '4555' }).crm.fakeUrl).toBe('http://127.0.0.1:4555');
    expect(loadSubgraphConfig({ CRM_FAKE_URL: 'https://crm-fake:4010/' }).crm.fakeUrl).toBe('https://crm-fake:4010');
  });

  it('in one process (npm start) needs no CONTEXT_KEY or SERVICE_KEYS and refuses them, with every other problem', () => {
    const base = { NODE_ENV: 'production', DATABASE_URL: 'mysql://cx@db/cx', MASTER_KEYS: `k1:${secret()}` };
    expect(loadSubgraphConfig(base, SHARED_PROCESS).contextKey).toBeUndefined();
    const problems = problemsOf(() => loadSubgraphConfig({ ...base, DATABASE_URL: '', CONTEXT_KEY: secret(), SERVICE_KEYS: formatServiceKeys(master, 'crm') }, SHARED_PROCESS));
    expect(problems).toEqual([expect.stringMatching(/^DATABASE_URL is required/), expect.stringMatching(/^CONTEXT_KEY and SERVICE_KEYS hold one subgraph's keys, but npm start runs all four .*set CONTEXT_SIGNING_SECRET/)]);
    // Each subgraph's own master keys stand in for MASTER_KEYS; a bad one is named.
    const own = Object.fromEntries(['IDENTITY', 'INTERACTIONS', 'CONSENT', 'CRM'].map((name) => [`${name}_MASTER_KEYS`, `${name.toLowerCase()}1:${secret()}`]));
    const config = loadSubgraphConfig({ NODE_ENV: 'production', DATABASE_URL: 'mysql://cx@db/cx', ...own }, SHARED_PROCESS);
    expect(config.subgraphMasterKeys.crm).toBe(own.CRM_MASTER_KEYS);
    expect(problemsOf(() => loadSubgraphConfig({ ...base, CRM_MASTER_KEYS: 'crm1:short' }, SHARED_PROCESS))).toEqual([expect.stringMatching(/^CRM_MASTER_KEYS must be id:key/)]);
  });

  it('for scripts over the databases accepts a subgraph’s own file (its keys neither needed nor refused)', () => {
    expect(loadSubgraphConfig(subgraph('interactions'), TOOL).masterKeys).toMatch(/^k1:/);
    expect(problemsOf(() => loadSubgraphConfig({ NODE_ENV: 'production' }, TOOL))).toEqual([expect.stringMatching(/^DATABASE_URL/), expect.stringMatching(/^MASTER_KEYS/)]);
  });
});
