import { importJWK, SignJWT, type JWK } from 'jose';

export interface DevTokenRequest {
  issuer: string;
  audience: string;
  subject: string;
  tenant?: string;
  roles?: string[];
  scopes?: string[];
  platform?: boolean;
  clientId?: string;
  ttlSeconds?: number;
}

/** Signs an access token as the development issuer would (`npm run token`, tests). */
export async function signDevToken(privateJwk: JWK, request: DevTokenRequest): Promise<string> {
  const claims: Record<string, unknown> = request.platform
    ? { platform: true }
    : {
        tenant: request.tenant,
        roles: request.roles ?? [],
        ...(request.scopes?.length ? { scope: request.scopes.join(' ') } : {}),
        ...(request.clientId ? { client_id: request.clientId } : {}),
      };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', ...(privateJwk.kid ? { kid: privateJwk.kid } : {}) })
    .setIssuer(request.issuer)
    .setAudience(request.audience)
    .setSubject(request.subject)
    .setIssuedAt()
    .setExpirationTime(`${request.ttlSeconds ?? 3600}s`)
    .sign(await importJWK(privateJwk, 'ES256'));
}
