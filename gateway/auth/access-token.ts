import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, importJWK, jwtVerify, SignJWT, type JWK, type JWTVerifyGetKey } from 'jose';
import { DomainError, refusesRequest, unauthenticated } from '../../platform/errors';
import type { PrincipalKind } from '../../platform/contracts/signed-context';

/** Who an access token says the caller is; the gateway then checks this against the tenant's records. */
export interface TokenIdentity {
  subject: string;
  kind: Extract<PrincipalKind, 'operator' | 'api_client' | 'platform'>;
  tenantSlug: string | null;
  roles: string[];
  scopes: string[];
}

const ALGORITHMS = ['ES256', 'RS256', 'EdDSA', 'PS256'];
/** Issuer of the tokens the gateway itself gives API clients. */
export const CLIENT_TOKEN_ISSUER = 'cx-gateway-clients';

const invalid = () => refusesRequest(unauthenticated('Invalid or expired access token'));

/** jose's verdicts on the token itself; any other failure is the key source (JWKS) failing, not the caller. */
const TOKEN_FAULTS = new Set([
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWT_EXPIRED',
  'ERR_JWS_INVALID',
  'ERR_JWT_INVALID',
  'ERR_JWK_INVALID',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
]);
/** The identity provider's keys could not be fetched: an outage (503), never "invalid token". */
const keysUnavailable = () => refusesRequest(new DomainError('UNAVAILABLE', 'The identity provider\'s signing keys could not be fetched'));

interface Issuer {
  keys: JWTVerifyGetKey;
  /** Which kinds of principal this issuer may speak for. */
  mints: (payload: Record<string, unknown>) => TokenIdentity['kind'] | null;
}

/**
 * Verifies access tokens from two issuers: the identity provider (operators and platform
 * operators) and the gateway's own client-token issuer (API clients only). Neither can mint the
 * other's kind of principal.
 */
export class AccessTokenVerifier {
  private readonly issuers = new Map<string, Issuer>();
  /** Tokens already verified, until they expire: a signature check per request is the costliest step. */
  private readonly verified = new Map<string, { identity: TokenIdentity; expiresAt: number }>();

  constructor(
    private readonly audience: string,
    identityProvider: { issuer: string; keys: JWTVerifyGetKey },
    clientTokens: { publicJwk: JWK },
  ) {
    this.issuers.set(identityProvider.issuer, {
      keys: identityProvider.keys,
      mints: (payload) => (payload.platform === true ? 'platform' : 'client_id' in payload ? null : 'operator'),
    });
    this.issuers.set(CLIENT_TOKEN_ISSUER, {
      keys: createLocalJWKSet({ keys: [clientTokens.publicJwk] }),
      mints: (payload) => (typeof payload.client_id === 'string' && payload.platform === undefined ? 'api_client' : null),
    });
  }

  static identityProviderKeys(options: { jwksUrl?: string; publicJwk?: JWK }): JWTVerifyGetKey {
    if (options.jwksUrl) return createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: 30_000 });
    return createLocalJWKSet({ keys: [options.publicJwk!] });
  }

  async verify(token: string): Promise<TokenIdentity> {
    const now = Date.now();
    const hit = this.verified.get(token);
    if (hit) {
      if (hit.expiresAt > now) return hit.identity;
      this.verified.delete(token);
    }
    const { identity, expiresAt } = await this.verifyUncached(token);
    this.verified.set(token, { identity, expiresAt: Math.min(expiresAt, now + 300_000) });
    if (this.verified.size > 10_000) this.verified.delete(this.verified.keys().next().value!);
    return identity;
  }

  private async verifyUncached(token: string): Promise<{ identity: TokenIdentity; expiresAt: number }> {
    let issuerName: string;
    try {
      issuerName = String(decodeJwt(token).iss);
    } catch {
      throw invalid();
    }
    const issuer = this.issuers.get(issuerName);
    if (!issuer) throw invalid();
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, issuer.keys, {
        issuer: issuerName,
        audience: this.audience,
        algorithms: ALGORITHMS,
        requiredClaims: ['sub', 'exp', 'iss'],
        clockTolerance: 5,
      }));
    } catch (error) {
      throw TOKEN_FAULTS.has((error as { code?: string }).code ?? '') ? invalid() : keysUnavailable();
    }
    const kind = issuer.mints(payload);
    if (!kind) throw invalid();
    const strings = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
    const tenantSlug = typeof payload.tenant === 'string' ? payload.tenant : null;
    if (kind !== 'platform' && !tenantSlug) throw refusesRequest(unauthenticated('Access token names no tenant'));
    const identity: TokenIdentity = {
      subject: kind === 'api_client' ? String(payload.client_id) : String(payload.sub),
      kind,
      tenantSlug: kind === 'platform' ? null : tenantSlug,
      roles: kind === 'operator' ? strings(payload.roles) : [],
      scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
    };
    return { identity, expiresAt: Number(payload.exp) * 1000 };
  }
}

/** Issues the short-lived tokens API clients get in exchange for their credentials. */
export class ClientTokenIssuer {
  constructor(
    private readonly privateJwk: JWK,
    private readonly audience: string,
    readonly ttlSeconds: number,
  ) {}

  async issue(client: { tenantSlug: string; clientId: string; scopes: string[] }): Promise<string> {
    return new SignJWT({ tenant: client.tenantSlug, client_id: client.clientId, scope: client.scopes.join(' ') })
      .setProtectedHeader({ alg: 'ES256', ...(this.privateJwk.kid ? { kid: this.privateJwk.kid } : {}) })
      .setIssuer(CLIENT_TOKEN_ISSUER)
      .setAudience(this.audience)
      .setSubject(client.clientId)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(await importJWK(this.privateJwk, 'ES256'));
  }
}
