import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWK, type JWTVerifyGetKey } from 'jose';
import { unauthenticated } from '../../subgraphs/shared/errors';
import type { PrincipalKind } from '../../subgraphs/shared/auth/signed-context';

/** Who an access token says the caller is; the tenant is resolved and checked separately. */
export interface TokenIdentity {
  subject: string;
  kind: Extract<PrincipalKind, 'operator' | 'api_client' | 'platform'>;
  tenantSlug: string | null;
  roles: string[];
  scopes: string[];
}

const ALGORITHMS = ['ES256', 'RS256', 'EdDSA', 'PS256'];

export class AccessTokenVerifier {
  constructor(
    private readonly keys: JWTVerifyGetKey,
    private readonly issuer: string,
    private readonly audience: string,
  ) {}

  static fromJwks(url: string, issuer: string, audience: string): AccessTokenVerifier {
    return new AccessTokenVerifier(createRemoteJWKSet(new URL(url), { cooldownDuration: 30_000 }), issuer, audience);
  }

  static fromPublicJwk(jwk: JWK, issuer: string, audience: string): AccessTokenVerifier {
    return new AccessTokenVerifier(createLocalJWKSet({ keys: [jwk] }), issuer, audience);
  }

  async verify(token: string): Promise<TokenIdentity> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.issuer,
        audience: this.audience,
        algorithms: ALGORITHMS,
        requiredClaims: ['sub', 'exp'],
        clockTolerance: 5,
      }));
    } catch {
      throw unauthenticated('Invalid or expired access token');
    }
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
    const tenantSlug = typeof payload.tenant === 'string' ? payload.tenant : null;
    const kind = payload.platform === true ? 'platform' : typeof payload.client_id === 'string' ? 'api_client' : 'operator';
    if (kind !== 'platform' && !tenantSlug) throw unauthenticated('Access token names no tenant');
    return { subject: payload.sub as string, kind, tenantSlug: kind === 'platform' ? null : tenantSlug, roles, scopes };
  }
}
