import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { ContextSigner, ContextVerifier, requestDigest, type RequestClaims } from '../../subgraphs/shared/auth/signed-context';
import { DomainError } from '../../subgraphs/shared/errors';

const claims: RequestClaims = {
  requestId: 'r1',
  tenant: { id: 't1', slug: 'acme' },
  principal: { id: 'u1', kind: 'operator', roles: ['agent'], scopes: [] },
  clientIp: '203.0.113.9',
  accessPolicy: { mode: 'ALLOWLIST', cidrs: ['203.0.113.0/24'] },
};
const query = '{ endUser(id: "1") { id } }';

async function keyPair() {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
  return { privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) };
}

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
  let signer: ContextSigner;
  let verifier: ContextVerifier;
  let keys: Awaited<ReturnType<typeof keyPair>>;

  beforeAll(async () => {
    keys = await keyPair();
    signer = await ContextSigner.fromJwk(keys.privateJwk);
  });
  beforeEach(async () => {
    verifier = await ContextVerifier.fromJwk(keys.publicJwk, 'identity');
  });

  it('carries the claims to the subgraph it was signed for', async () => {
    const token = await signer.sign(claims, 'identity', requestDigest(query, {}));
    await expect(verifier.verify(token, requestDigest(query, undefined))).resolves.toEqual(claims);
  });

  it('is refused when missing', async () => {
    expect(await refusal(verifier.verify(undefined, requestDigest(query, {})))).toMatch(/Missing/);
  });

  it('is refused by another subgraph', async () => {
    const token = await signer.sign(claims, 'crm', requestDigest(query, {}));
    await refusal(verifier.verify(token, requestDigest(query, {})));
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

  it('is refused when signed by another key (forged)', async () => {
    const forger = await ContextSigner.fromJwk((await keyPair()).privateJwk);
    const token = await forger.sign(claims, 'identity', requestDigest(query, {}));
    await refusal(verifier.verify(token, requestDigest(query, {})));
  });

  it('is refused when expired', async () => {
    const past = Math.floor(Date.now() / 1000) - 120;
    const { importJWK } = await import('jose');
    const token = await new SignJWT({ ...claims, digest: requestDigest(query, {}) })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer('cx-gateway')
      .setAudience('identity')
      .setIssuedAt(past)
      .setExpirationTime(past + 30)
      .setJti('expired-1')
      .sign(await importJWK(keys.privateJwk, 'EdDSA'));
    await refusal(verifier.verify(token, requestDigest(query, {})));
  });

  it('is refused when unsigned (alg none) or tampered with', async () => {
    const token = await signer.sign(claims, 'identity', requestDigest(query, {}));
    const [header, payload] = token.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
    await refusal(verifier.verify(none, requestDigest(query, {})));
    const altered = JSON.parse(Buffer.from(payload, 'base64url').toString());
    altered.tenant = { id: 't2', slug: 'globex' };
    const tampered = `${header}.${Buffer.from(JSON.stringify(altered)).toString('base64url')}.${token.split('.')[2]}`;
    await refusal(verifier.verify(tampered, requestDigest(query, {})));
  });
});
