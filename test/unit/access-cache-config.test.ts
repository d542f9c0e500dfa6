import { loadGatewayConfig } from '../../gateway/config';

const production = {
  NODE_ENV: 'production',
  JWKS_URL: 'https://idp.example/.well-known/jwks.json',
  TOKEN_ISSUER: 'https://idp.example/',
  CONTEXT_SIGNING_SECRET: 'x'.repeat(43),
  CLIENT_TOKEN_PRIVATE_KEY: JSON.stringify(require('node:crypto').generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' })),
};

describe('the access cache in production', () => {
  it.each([{}, { ACCESS_CACHE_TTL_MS: '5000' }, { ACCESS_CACHE_TTL_MS: '1', REDIS_URL: '' }])('is refused without REDIS_URL (%j), naming both ways out', (extra) => {
    expect(() => loadGatewayConfig({ ...production, ...extra })).toThrow(/REDIS_URL.*ACCESS_CACHE_TTL_MS=0/);
  });

  it('starts with REDIS_URL, or with the cache off', () => {
    expect(loadGatewayConfig({ ...production, REDIS_URL: 'redis://redis:6379' }).accessCacheTtlMs).toBe(5000);
    expect(loadGatewayConfig({ ...production, ACCESS_CACHE_TTL_MS: '0' }).accessCacheTtlMs).toBe(0);
  });

  it('is allowed in development without Redis (a gateway then reuses only what identity in its own process announces)', () => {
    expect(loadGatewayConfig({ NODE_ENV: 'development' }).accessCacheTtlMs).toBe(5000);
  });
});
