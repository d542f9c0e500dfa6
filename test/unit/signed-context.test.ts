import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { jwtVerify, SignJWT } from 'jose';
import {
  ContextSigner,
  ContextVerifier,
  contextKeyFor,
  requestDigest,
  ServiceContextSigner,
  type RequestClaims,
} from '../../platform/contracts/signed-context';
import { deriveServiceKeys, formatServiceKeys, parseServiceKeys } from '../../subgraphs/kit/service-client';
import { DomainError } from '../../platform/errors';

const claims: RequestClaims = {
  requestId: 'r1',
  tenant: { id: 't1', slug: 'acme' },
  principal: { id: 'u1', kind: 'operator', roles: ['agent'], scopes: [] },
  clientIp: '203.0.113.9',
  accessPolicy: { mode: 'ALLOWLIST', cidrs: ['203.0.113.0/24'] },
};
const query = '{ endUser(id: "1") { id } }';
const master = new Uint8Array(randomBytes(32));

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('UNAUTHENTICATED');
    return (error as Error).message;
  }
  throw new Error('the context was accepted');
}

describe('signed gateway context', () => {
  const signer = new ContextSigner(master);
  let verifier: ContextVerifier;
  beforeEach(() => {
    verifier = new ContextVerifier(contextKeyFor(master, 'identity'), 'identity');
  });

  it('carries the claims to the subgraph it was signed for', async () => {
    const token = await signer.sign(claims, 'identity', requestDigest(query, {}));
    await expect(verifier.verify(token, requestDigest(query, undefined))).resolves.toEqual(claims);
  });

  it('is refused when missing', async () => {
    expect(await refusal(verifier.verify(undefined, requestDigest(query, {})))).toMatch(/Missing/);
  });

  it('is refused by another subgraph: each holds a different key', async () => {
    const token = await signer.sign(claims, 'crm', requestDigest(query, {}));
    await refusal(verifier.verify(token, requestDigest(query, {})));
    expect(Buffer.from(contextKeyFor(master, 'crm')).equals(Buffer.from(contextKeyFor(master, 'identity')))).toBe(false);
  });

  it('cannot be minted for one subgraph with another subgraph’s key', async () => {
    const crmKey = contextKeyFor(master, 'crm');
    const token = await new SignJWT({ ...claims, digest: requestDigest(query, {}) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer('cx-gateway').setAudience('identity')
      .setIssuedAt().setExpirationTime('30s').setJti('j-crm').sign(crmKey);
    await refusal(verifier.verify(token, requestDigest(query, {})));
  });

  it('digests a body as SHA-256 over the query, a newline and the variables as JSON, for any text', () => {
    // The subgraph recomputes the digest to check it: both ends must agree byte for byte, lone surrogates included.
    const reference = (query: string | undefined, variables: unknown) =>
      createHash('sha256').update(query ?? '').update('\n').update(JSON.stringify(variables ?? {})).digest('base64url');
    fc.assert(
      fc.property(fc.option(fc.string({ unit: 'binary' }), { nil: undefined }), fc.option(fc.jsonValue(), { nil: undefined }), (query, variables) => {
        expect(requestDigest(query, variables)).toBe(reference(query, variables));
      }),
      { numRuns: 500 },
    );
    expect(requestDigest('q', { a: 1 })).not.toBe(requestDigest('q', { a: 2 }));
    expect(requestDigest('q\n{}', undefined)).not.toBe(requestDigest('q', undefined));
  });

  it('is refused for a different query or different variables', async () => {
    const token = await signer.sign(claims, 'identity', requestDigest(query, { id: '1' }));
    expect(await refusal(verifier.verify(token, requestDigest('{ endUsers { edges { cursor } } }', { id: '1' })))).toMatch(/match/);
    await refusal(verifier.verify(token, requestDigest(query, { id: '2' })));
  });

  it('is accepted once: a replay is refused', async () => {
    const token = await signer.sign(claims, 'identity', requestDigest(query, {}));
    await verifier.verify(token, requestDigest(query, {}));
    expect(await refusal(verifier.verify(token, requestDigest(query, {})))).toMatch(/already used/);
  });

  it('is refused when signed from another master secret (forged)', async () => {
    const forger = new ContextSigner(new Uint8Array(randomBytes(32)));
    await refusal(verifier.verify(await forger.sign(claims, 'identity', requestDigest(query, {})), requestDigest(query, {})));
  });

  it('is refused when expired', async () => {
    const past = Math.floor(Date.now() / 1000) - 120;
    const token = await new SignJWT({ ...claims, digest: requestDigest(query, {}) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer('cx-gateway').setAudience('identity')
      .setIssuedAt(past).setExpirationTime(past + 30).setJti('expired-1')
      .sign(contextKeyFor(master, 'identity'));
    await refusal(verifier.verify(token, requestDigest(query, {})));
  });

  it('is refused when unsigned (alg none) or tampered with', async () => {
    const token = await signer.sign(claims, 'identity', requestDigest(query, {}));
    const [header, payload, signature] = token.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
    await refusal(verifier.verify(none, requestDigest(query, {})));
    const altered = JSON.parse(Buffer.from(payload, 'base64url').toString());
    altered.tenant = { id: 't2', slug: 'globex' };
    const tampered = `${header}.${Buffer.from(JSON.stringify(altered)).toString('base64url')}.${signature}`;
    await refusal(verifier.verify(tampered, requestDigest(query, {})));
  });

  it('is a standard HS256 JWS: jose accepts ours, and we accept jose’s with our header', async () => {
    const token = await signer.sign(claims, 'identity', requestDigest(query, {}));
    const { payload } = await jwtVerify(token, contextKeyFor(master, 'identity'), { issuer: 'cx-gateway', audience: 'identity', algorithms: ['HS256'] });
    expect(payload.tenant).toEqual(claims.tenant);
    const fromJose = await new SignJWT({ ...claims, digest: requestDigest(query, {}) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer('cx-gateway').setAudience('identity')
      .setIssuedAt().setExpirationTime('30s').setJti('from-jose').sign(contextKeyFor(master, 'identity'));
    await expect(verifier.verify(fromJose, requestDigest(query, {}))).resolves.toEqual(claims);
  });

  it('refuses any other header, even with a valid HMAC over it', async () => {
    const key = contextKeyFor(master, 'identity');
    for (const header of [{ alg: 'HS512', typ: 'JWT' }, { alg: 'HS256' }, { typ: 'JWT', alg: 'HS256' }]) {
      const token = await new SignJWT({ ...claims, digest: requestDigest(query, {}) })
        .setProtectedHeader(header as { alg: string }).setIssuer('cx-gateway').setAudience('identity')
        .setIssuedAt().setExpirationTime('30s').setJti(`h-${JSON.stringify(header)}`).sign(key);
      await refusal(verifier.verify(token, requestDigest(query, {})));
    }
  });

  it('refuses a context issued in the future or older than its lifetime', async () => {
    const key = contextKeyFor(master, 'identity');
    const now = Math.floor(Date.now() / 1000);
    for (const [iat, exp] of [[now + 60, now + 90], [now - 40, now + 600]]) {
      const token = await new SignJWT({ ...claims, digest: requestDigest(query, {}) })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer('cx-gateway').setAudience('identity')
        .setIssuedAt(iat).setExpirationTime(exp).setJti(`t-${iat}`).sign(key);
      await refusal(verifier.verify(token, requestDigest(query, {})));
    }
  });
});

describe('service-to-service contexts', () => {
  const digest = requestDigest(query, {});
  const consentLinks = deriveServiceKeys(master, 'consent');
  const interactionsLinks = deriveServiceKeys(master, 'interactions');
  const crmLinks = deriveServiceKeys(master, 'crm');
  let consent: ContextVerifier;
  beforeEach(() => {
    consent = new ContextVerifier(contextKeyFor(master, 'consent'), 'consent', consentLinks.inbound);
  });

  it('carries the tenant and names the caller from the link key, whatever the token claims', async () => {
    const token = new ServiceContextSigner('interactions', interactionsLinks.outbound).sign(
      { ...claims, principal: { id: 'admin', kind: 'operator', roles: ['admin'], scopes: ['pii:read'] } },
      'consent',
      digest,
    );
    const verified = await consent.verify(token, digest);
    expect(verified.tenant).toEqual(claims.tenant);
    expect(verified.principal).toEqual({ id: 'interactions', kind: 'subgraph', roles: [], scopes: [] });
  });

  it('is refused by a subgraph the link does not lead to', async () => {
    // interactions calls consent and identity, never crm.
    const crm = new ContextVerifier(contextKeyFor(master, 'crm'), 'crm', deriveServiceKeys(master, 'crm').inbound);
    expect(() => new ServiceContextSigner('interactions', interactionsLinks.outbound).sign(claims, 'crm', digest)).toThrow(/no service link/);
    // Even addressed to crm, a context signed with the interactions>consent key is not accepted there.
    const forged = new ServiceContextSigner('interactions', new Map([['crm', interactionsLinks.outbound.get('consent')!]])).sign(claims, 'crm', digest);
    await refusal(crm.verify(forged, digest));
    // Nor at identity with the interactions>consent key, though interactions>identity is a link.
    const identity = new ContextVerifier(contextKeyFor(master, 'identity'), 'identity', deriveServiceKeys(master, 'identity').inbound);
    const misdirected = new ServiceContextSigner('interactions', new Map([['identity', interactionsLinks.outbound.get('consent')!]])).sign(claims, 'identity', digest);
    await refusal(identity.verify(misdirected, digest));
  });

  it('cannot claim to come from another subgraph: crm’s key does not sign as interactions', async () => {
    const crmKey = crmLinks.outbound.get('consent')!;
    const forged = new ServiceContextSigner('interactions', new Map([['consent', crmKey]])).sign(claims, 'consent', digest);
    await refusal(consent.verify(forged, digest));
  });

  it('is refused when the gateway key signs a subgraph principal, or the gateway key is used for a link', async () => {
    const gatewayToken = await new ContextSigner(master).sign(
      { ...claims, principal: { id: 'interactions', kind: 'subgraph', roles: [], scopes: [] } },
      'consent',
      digest,
    );
    await refusal(consent.verify(gatewayToken, digest));
    const asLink = new ServiceContextSigner('interactions', new Map([['consent', contextKeyFor(master, 'consent')]])).sign(claims, 'consent', digest);
    await refusal(consent.verify(asLink, digest));
  });

  it('is bound to its body and accepted once', async () => {
    const token = new ServiceContextSigner('crm', crmLinks.outbound).sign(claims, 'consent', digest);
    await refusal(consent.verify(token, requestDigest('{ other }', {})));
    const fresh = new ServiceContextSigner('crm', crmLinks.outbound).sign(claims, 'consent', digest);
    await consent.verify(fresh, digest);
    expect(await refusal(consent.verify(fresh, digest))).toMatch(/already used/);
  });

  it('SERVICE_KEYS round-trips and rejects links that do not exist', () => {
    const parsed = parseServiceKeys(formatServiceKeys(master, 'consent'), 'consent');
    expect([...parsed.inbound.keys()].sort()).toEqual(['crm', 'identity', 'interactions']);
    expect(Buffer.from(parsed.inbound.get('crm')!).equals(Buffer.from(consentLinks.inbound.get('crm')!))).toBe(true);
    expect(() => parseServiceKeys(`consent>crm:${Buffer.alloc(32).toString('base64url')}`, 'consent')).toThrow(/not a service link/);
  });
});
