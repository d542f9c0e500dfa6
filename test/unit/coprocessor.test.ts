import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse } from 'yaml';
import { ADMISSION_ENTRY, seal, unseal } from '../../gateway/coprocessor/admission-seal';
import { forwardedClientAddress, trustedRanges } from '../../platform/addresses';
import { loadCoprocessorConfig } from '../../gateway/coprocessor/config';
import { COPROCESSOR_PATH } from '../../gateway/coprocessor/server';
import { ConfigError } from '../../platform/env';
import { SUBGRAPH_NAMES } from '../../platform/contracts/service-links';
import { memberClaims } from '../helpers/environment';
import { ContextSigner, contextKeyFor, serviceLinkKey } from '../../platform/contracts/signed-context';

describe('the client address behind the Router', () => {
  const ranges = trustedRanges(['loopback', '198.51.100.0/24', '2001:db8::/32', 'nonsense']);
  const of = (...values: string[]) => forwardedClientAddress(values, ranges);

  it('is the right-most hop not trusted', () => {
    expect(of('203.0.113.5')).toBe('203.0.113.5');
    expect(of('203.0.113.5, 198.51.100.9')).toBe('203.0.113.5');
    expect(of('10.0.0.1, 203.0.113.5, 198.51.100.9, 127.0.0.1')).toBe('203.0.113.5');
    // Several header lines read as one list.
    expect(of('10.0.0.1', '203.0.113.5', '198.51.100.9')).toBe('203.0.113.5');
  });

  it('is canonical: IPv4-mapped IPv6 becomes IPv4, and a mapped trusted proxy is still trusted', () => {
    expect(of('::ffff:203.0.113.5, ::ffff:198.51.100.9')).toBe('203.0.113.5');
    expect(of('2001:db8::1')).toBe('2001:db8::1');
    expect(of('2001:0db9::1, 2001:db8::5')).toBe('2001:db9::1');
  });

  it('is the left-most when every hop is trusted', () => {
    expect(of('198.51.100.1, 198.51.100.9')).toBe('198.51.100.1');
  });

  it('is unknown when the header is missing, empty, or a hop on the way does not parse', () => {
    expect(forwardedClientAddress(undefined, ranges)).toBeNull();
    expect(of('')).toBeNull();
    expect(of(' , ')).toBeNull();
    expect(of('unknown')).toBeNull();
    expect(of('203.0.113.5, garbage, 198.51.100.9')).toBeNull();
    // Left of the client the chain is not read at all.
    expect(of('garbage, 203.0.113.5, 198.51.100.9')).toBe('203.0.113.5');
  });

  it('trusts nothing when TRUST_PROXY is empty: the right-most hop is the client', () => {
    expect(forwardedClientAddress(['10.0.0.1, 198.51.100.9'], trustedRanges([]))).toBe('198.51.100.9');
  });
});

describe('the sealed admission', () => {
  const key = randomBytes(32);
  const claims = memberClaims({ id: 't1', slug: 'acme' }, ['admin']);

  it('opens for its own request, until its deadline and a short grace', () => {
    const deadline = Date.now() + 1_000;
    const sealed = seal(key, 'req-1', { claims, deadline });
    expect(unseal(key, 'req-1', sealed)).toEqual({ claims, deadline });
    expect(unseal(key, 'req-1', sealed, deadline + 4_000)).not.toBeNull();
    expect(unseal(key, 'req-1', sealed, deadline + 6_000)).toBeNull();
  });

  it('does not open for another request, another key, or a changed payload', () => {
    const sealed = seal(key, 'req-1', { claims, deadline: Date.now() + 10_000 });
    expect(unseal(key, 'req-2', sealed)).toBeNull();
    expect(unseal(randomBytes(32), 'req-1', sealed)).toBeNull();
    const [body, mac] = sealed.split('.');
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    payload.claims.principal.roles = ['admin', 'platform'];
    expect(unseal(key, 'req-1', `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${mac}`)).toBeNull();
    for (const junk of [undefined, null, 42, {}, '', 'a.b.c', `${body}.`, `${body}.${mac}.x`]) expect(unseal(key, 'req-1', junk)).toBeNull();
  });
});

describe('the admission key', () => {
  it('is the same for every holder of the master secret, and never a subgraph’s or a link’s key', () => {
    const master = randomBytes(32);
    const key = new ContextSigner(master).derivedKey('router-coprocessor-admission');
    expect(Buffer.from(new ContextSigner(Uint8Array.from(master)).derivedKey('router-coprocessor-admission'))).toEqual(Buffer.from(key));
    expect(Buffer.from(new ContextSigner(randomBytes(32)).derivedKey('router-coprocessor-admission'))).not.toEqual(Buffer.from(key));
    for (const other of [contextKeyFor(master, 'router-coprocessor-admission'), ...SUBGRAPH_NAMES.map((name) => contextKeyFor(master, name)), serviceLinkKey(master, 'identity', 'consent')]) {
      expect(Buffer.from(other)).not.toEqual(Buffer.from(key));
    }
  });
});

describe('coprocessor configuration', () => {
  it('takes the gateway’s settings and its own, with development defaults', () => {
    const config = loadCoprocessorConfig({ NODE_ENV: 'test', COPROCESSOR_PORT: '4555', COPROCESSOR_CLIENT_ADDRESS_HEADER: 'X-Real-IP', TRUST_PROXY: 'loopback' });
    expect(config).toMatchObject({ host: '127.0.0.1', port: 4555, clientAddressHeader: 'x-real-ip', secret: undefined });
    expect(config.gateway.trustProxy).toEqual(['loopback']);
  });

  it('requires COPROCESSOR_SECRET in production, reported with the gateway’s own problems', () => {
    let error: unknown;
    try {
      loadCoprocessorConfig({ NODE_ENV: 'production', COPROCESSOR_CLIENT_ADDRESS_HEADER: 'bad header' });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/COPROCESSOR_SECRET is required in production/);
    expect(problems).toMatch(/COPROCESSOR_CLIENT_ADDRESS_HEADER must be an HTTP header name/);
    expect(problems).toMatch(/CONTEXT_SIGNING_SECRET is required in production/);
    expect(problems).toMatch(/JWKS_URL is required in production/);
  });
});

describe('deploy/router/router.yaml', () => {
  const router = parse(fs.readFileSync(path.join(__dirname, '../../deploy/router/router.yaml'), 'utf8'));

  it('calls the coprocessor at its secret path with what each stage needs', () => {
    const { coprocessor } = router;
    expect(new URL(coprocessor.url.replace('${env.COPROCESSOR_SECRET}', 'secret')).pathname).toBe(`${COPROCESSOR_PATH}/secret`);
    expect(coprocessor.router.request.headers).toBe(true);
    expect(coprocessor.subgraph.all.request).toMatchObject({ headers: true, body: true, service_name: true });
    expect(coprocessor.subgraph.all.request.context.selective).toContain(ADMISSION_ENTRY);
  });

  it('points every subgraph somewhere, propagates no header, batches nothing, caches no answer and shares no subgraph fetch', () => {
    expect(Object.keys(router.override_subgraph_url).sort()).toEqual([...SUBGRAPH_NAMES].sort());
    expect(router.headers).toBeUndefined();
    expect(router.batching).toBeUndefined();
    expect(router.preview_entity_cache ?? router.response_cache).toBeUndefined();
    expect(router.apq?.subgraph).toBeUndefined();
    expect(router.traffic_shaping.all.deduplicate_query).toBe(false);
    expect(router.supergraph.introspection).toBe(false);
  });
});
