import { generateKeyPair, exportJWK, SignJWT } from 'jose';
import { AccessTokenVerifier } from '../../gateway/auth/access-token';

describe('verified access tokens kept in memory', () => {
  it('reuses a verification until the token expires, and verifies it again after', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    let signatureChecks = 0;
    const keys = async () => {
      signatureChecks += 1;
      return publicKey;
    };
    const verifier = new AccessTokenVerifier('cx-test', { issuer: 'https://idp.invalid', keys }, { publicJwk: await exportJWK(publicKey) });
    const token = await new SignJWT({ tenant: 'acme', roles: ['agent'] })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('https://idp.invalid')
      .setAudience('cx-test')
      .setSubject('agent-1')
      .setExpirationTime(Math.floor(Date.now() / 1000) + 1)
      .sign(privateKey);
    expect((await verifier.verify(token)).subject).toBe('agent-1');
    expect((await verifier.verify(token)).subject).toBe('agent-1');
    expect(signatureChecks).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // Past its expiry the kept answer is not used: the token is checked again (within the verifier's clock tolerance).
    await verifier.verify(token);
    expect(signatureChecks).toBe(2);
  });
});
