import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { AccessTokenVerifier } from '../../gateway/auth/access-token';
import { DomainError } from '../../platform/errors';

// The identity provider's JWKS, served over HTTP and then stopped: a token the gateway cannot check
// because the keys are out of reach is an outage (UNAVAILABLE, 503), not the caller's fault (401).

const ISSUER = 'https://idp.test/';
const AUDIENCE = 'cx-api';

async function keyPair(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } as JWK };
}

const token = (privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'], kid: string, subject: string) =>
  new SignJWT({ tenant: 'acme', roles: ['agent'] })
    .setProtectedHeader({ alg: 'ES256', kid })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey);

async function refusal(promise: Promise<unknown>): Promise<{ code: string; status: number | undefined }> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof DomainError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return { code: error.code, status: (error.extensions.http as { status?: number } | undefined)?.status };
}

describe('access tokens against a remote JWKS', () => {
  let server: http.Server;
  let verifier: AccessTokenVerifier;
  let jwksUrl: string;
  let idp: Awaited<ReturnType<typeof keyPair>>;
  let clientKey: Awaited<ReturnType<typeof keyPair>>;

  beforeAll(async () => {
    idp = await keyPair('idp-1');
    clientKey = await keyPair('client-1');
    server = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [idp.publicJwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    verifier = new AccessTokenVerifier(AUDIENCE, { issuer: ISSUER, keys: AccessTokenVerifier.identityProviderKeys({ jwksUrl }) }, { publicJwk: clientKey.publicJwk });
  });

  afterAll(async () => {
    if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('accepts a token signed with a key of the set, and refuses a forged one as UNAUTHENTICATED (401)', async () => {
    await expect(verifier.verify(await token(idp.privateKey, 'idp-1', 'op-1'))).resolves.toMatchObject({ subject: 'op-1', kind: 'operator', tenantSlug: 'acme' });
    const forger = await keyPair('idp-1');
    expect(await refusal(verifier.verify(await token(forger.privateKey, 'idp-1', 'op-2')))).toEqual({ code: 'UNAUTHENTICATED', status: 401 });
    expect(await refusal(verifier.verify(await token(forger.privateKey, 'unknown-kid', 'op-3')))).toEqual({ code: 'UNAUTHENTICATED', status: 401 });
  });

  it('reports the JWKS out of reach as UNAVAILABLE (503), never as an invalid token', async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    // A gateway that has not fetched the set yet (or whose copy expired) asks a server that is gone.
    const cold = new AccessTokenVerifier(AUDIENCE, { issuer: ISSUER, keys: AccessTokenVerifier.identityProviderKeys({ jwksUrl }) }, { publicJwk: clientKey.publicJwk });
    expect(await refusal(cold.verify(await token(idp.privateKey, 'idp-1', 'op-4')))).toEqual({ code: 'UNAVAILABLE', status: 503 });
    // A forged token is still refused as one where the keys are known.
    const forger = await keyPair('idp-1');
    expect(await refusal(verifier.verify(await token(forger.privateKey, 'idp-1', 'op-5')))).toEqual({ code: 'UNAUTHENTICATED', status: 401 });
  });
});
