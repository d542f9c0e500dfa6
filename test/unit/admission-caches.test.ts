import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import pino from 'pino';
import { AccessTokenVerifier } from '../../gateway/auth/access-token';
import { PrincipalDirectory } from '../../gateway/auth/principal-directory';
import { createAdmission } from '../../gateway/admission';
import { LocalAccessEvents } from '../../platform/access-events';
import { addressAllowed, canonicalAddress } from '../../platform/addresses';
import { ContextSigner } from '../../platform/contracts/signed-context';
import type { AccessPolicyClaims } from '../../platform/contracts/signed-context';

// The gateway keeps verified tokens, access answers and parsed allowlists in memory. Each test
// here tries to get a request admitted on something kept after it stopped being true.

const ISSUER = 'https://idp.invalid';
const AUDIENCE = 'cx-test';

/** identity's /internal routes as the directory asks them; what they answer can change between requests. */
async function fakeIdentity(state: { status: string; policy: AccessPolicyClaims }, channel: string) {
  let asked = 0;
  const server = http.createServer((_req, res) => {
    asked += 1;
    const tenant = { id: 't1', slug: 'acme', status: 'ACTIVE', accessPolicy: state.policy };
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ tenant, principal: { status: state.status, roles: ['agent'], scopes: [] }, channel }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, asked: () => asked, close: () => new Promise((resolve) => server.close(resolve)) };
}

async function setup() {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  let signatureChecks = 0;
  const keys = async () => {
    signatureChecks += 1;
    return publicKey;
  };
  const tokens = new AccessTokenVerifier(AUDIENCE, { issuer: ISSUER, keys }, { publicJwk: await exportJWK(publicKey) });
  const events = new LocalAccessEvents();
  const state = { status: 'ACTIVE', policy: { mode: 'EVERYONE', cidrs: [] } as AccessPolicyClaims };
  const identity = await fakeIdentity(state, events.channel);
  const directory = new PrincipalDirectory(identity.url, new ContextSigner(randomBytes(32)), 60_000, events);
  const limits = { takeRequest: async () => undefined };
  const admit = createAdmission({ tokens, directory, limits: limits as never }, pino({ level: 'silent' }), { production: true });
  const token = (expiresAt: number, subject = 'acme-agent') =>
    new SignJWT({ tenant: 'acme', roles: ['agent'] }).setProtectedHeader({ alg: 'ES256' }).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject(subject).setExpirationTime(expiresAt).sign(privateKey);
  const request = (bearer: string, clientIp = '127.0.0.1') => admit({ requestId: 'r1', clientIp, authorization: `Bearer ${bearer}`, operation: null });
  const codeOf = (bearer: string, clientIp?: string) => request(bearer, clientIp).then(() => 'ADMITTED', (error: { extensions?: { code?: string } }) => error.extensions?.code);
  return { tokens, events, state, identity, directory, token, request, codeOf, signatureChecks: () => signatureChecks };
}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  jest.restoreAllMocks();
  await Promise.all(closers.splice(0).map((close) => close()));
});

describe('what admission keeps between requests', () => {
  it('refuses a revoked principal on the next request, its token verified once and kept', async () => {
    const s = await setup();
    closers.push(s.identity.close, async () => s.directory.close());
    const bearer = await s.token(Math.floor(Date.now() / 1000) + 600);
    expect(await s.codeOf(bearer)).toBe('ADMITTED');
    expect(await s.codeOf(bearer)).toBe('ADMITTED');
    expect(s.identity.asked()).toBe(1);
    // identity revokes, then bumps the tenant's version before its mutation answers.
    s.state.status = 'REVOKED';
    await s.events.publish('acme');
    expect(await s.codeOf(bearer)).toBe('FORBIDDEN');
    expect(await s.codeOf(bearer)).toBe('FORBIDDEN');
    expect(s.signatureChecks()).toBe(1);
  });

  it('applies a changed allowlist on the next request, however often the ranges were parsed before', async () => {
    const s = await setup();
    closers.push(s.identity.close, async () => s.directory.close());
    const bearer = await s.token(Math.floor(Date.now() / 1000) + 600);
    s.state.policy = { mode: 'ALLOWLIST', cidrs: ['10.0.0.0/8'] };
    await s.events.publish('acme');
    expect(await s.codeOf(bearer, '10.1.2.3')).toBe('ADMITTED');
    expect(await s.codeOf(bearer, '127.0.0.1')).toBe('IP_NOT_ALLOWED');
    s.state.policy = { mode: 'ALLOWLIST', cidrs: ['192.168.0.0/16'] };
    await s.events.publish('acme');
    expect(await s.codeOf(bearer, '10.1.2.3')).toBe('IP_NOT_ALLOWED');
    expect(await s.codeOf(bearer, canonicalAddress('::ffff:192.168.7.7'))).toBe('ADMITTED');
  });

  it('never lets a kept verification outlive its token', async () => {
    const s = await setup();
    closers.push(s.identity.close, async () => s.directory.close());
    const now = Date.now();
    const bearer = await s.token(Math.floor(now / 1000) + 2);
    expect(await s.codeOf(bearer)).toBe('ADMITTED');
    // Well past its expiry and the verifier's clock tolerance: refused, cached or not. Only the
    // wall clock moves (the cache's own TTL clock, performance.now, does not), as when a kept
    // entry would otherwise still be fresh.
    jest.useFakeTimers({ now: now + 60_000, doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
    try {
      expect(await s.codeOf(bearer)).toBe('UNAUTHENTICATED');
    } finally {
      jest.useRealTimers();
    }
  });

  it('keys what it keeps by the whole token: one with another signature or subject is checked on its own', async () => {
    const s = await setup();
    closers.push(s.identity.close, async () => s.directory.close());
    const exp = Math.floor(Date.now() / 1000) + 600;
    const bearer = await s.token(exp);
    expect(await s.codeOf(bearer)).toBe('ADMITTED');
    const [header, payload, signature] = bearer.split('.');
    const flipped = signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1);
    expect(await s.codeOf(`${header}.${payload}.${flipped}`)).toBe('UNAUTHENTICATED');
    // Another subject's claims under the first token's signature.
    const other = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'acme-admin' })).toString('base64url');
    expect(await s.codeOf(`${header}.${other}.${signature}`)).toBe('UNAUTHENTICATED');
    expect(await s.codeOf(bearer)).toBe('ADMITTED');
  });
});

describe('allowlist ranges and client addresses kept parsed', () => {
  it('answers by the policy given, not by one seen before for the same address', () => {
    expect(addressAllowed('10.1.2.3', { mode: 'ALLOWLIST', cidrs: ['10.0.0.0/8'] })).toBe(true);
    expect(addressAllowed('10.1.2.3', { mode: 'ALLOWLIST', cidrs: ['10.2.0.0/16'] })).toBe(false);
    expect(addressAllowed('10.2.2.3', { mode: 'ALLOWLIST', cidrs: ['10.2.0.0/16'] })).toBe(true);
    expect(addressAllowed('10.1.2.3', { mode: 'ALLOWLIST', cidrs: [] })).toBe(false);
    expect(addressAllowed('10.1.2.3', { mode: 'EVERYONE', cidrs: [] })).toBe(true);
  });

  it('keeps refusing a bad range and an address of the other family, however often asked', () => {
    for (let i = 0; i < 3; i++) {
      expect(addressAllowed('10.1.2.3', { mode: 'ALLOWLIST', cidrs: ['10.0.0.0/33', 'not-a-range'] })).toBe(false);
      expect(addressAllowed('2001:db8::1', { mode: 'ALLOWLIST', cidrs: ['10.0.0.0/8'] })).toBe(false);
      expect(addressAllowed('10.1.2.3', { mode: 'ALLOWLIST', cidrs: ['::ffff:10.0.0.0/104'] })).toBe(true);
    }
  });

  it('canonicalises the same text the same way every time, and garbage to nothing', () => {
    for (let i = 0; i < 3; i++) {
      expect(canonicalAddress('::ffff:10.1.2.3')).toBe('10.1.2.3');
      expect(canonicalAddress('not an address')).toBe('0.0.0.0');
      expect(canonicalAddress('2001:0db8:0:0:0:0:0:1')).toBe('2001:db8::1');
    }
  });
});
