import { createHash, randomUUID } from 'node:crypto';
import { importJWK, jwtVerify, SignJWT, type JWK, type KeyLike } from 'jose';
import { refusesRequest, unauthenticated } from '../errors';

export const CONTEXT_HEADER = 'x-cx-context';
export const CONTEXT_ISSUER = 'cx-gateway';
const ALGORITHM = 'EdDSA';
/** Long enough for one planned fetch; replay within it is caught by the jti cache. */
export const CONTEXT_TTL_SECONDS = 30;

export type PrincipalKind = 'operator' | 'api_client' | 'platform' | 'service' | 'anonymous';
export type AccessMode = 'EVERYONE' | 'ALLOWLIST';

export interface AccessPolicyClaims {
  mode: AccessMode;
  cidrs: string[];
}

/** What the gateway asserts about one incoming request; subgraphs trust nothing else. */
export interface RequestClaims {
  requestId: string;
  tenant: { id: string; slug: string } | null;
  principal: { id: string; kind: PrincipalKind; roles: string[]; scopes: string[] };
  clientIp: string;
  accessPolicy: AccessPolicyClaims | null;
}

/** The gateway acting for itself (tenant lookups, health checks): no tenant, no end user. */
export function serviceClaims(requestId: string, serviceId = 'gateway'): RequestClaims {
  return {
    requestId,
    tenant: null,
    principal: { id: serviceId, kind: 'service', roles: [], scopes: [] },
    clientIp: '127.0.0.1',
    accessPolicy: null,
  };
}

interface ContextPayload extends RequestClaims {
  /** Digest of the exact GraphQL request this context was issued for. */
  digest: string;
}

/** Binds a signed context to one request body, so a captured header cannot carry another query. */
export function requestDigest(query: string | undefined, variables: unknown): string {
  return createHash('sha256')
    .update(query ?? '')
    .update('\n')
    .update(JSON.stringify(variables ?? {}))
    .digest('base64url');
}

export class ContextSigner {
  private constructor(private readonly key: KeyLike | Uint8Array, private readonly kid?: string) {}

  static async fromJwk(jwk: JWK): Promise<ContextSigner> {
    return new ContextSigner(await importJWK(jwk, ALGORITHM), jwk.kid);
  }

  sign(claims: RequestClaims, audience: string, digest: string): Promise<string> {
    const payload: ContextPayload = { ...claims, digest };
    return new SignJWT({ ...payload })
      .setProtectedHeader({ alg: ALGORITHM, ...(this.kid ? { kid: this.kid } : {}) })
      .setIssuer(CONTEXT_ISSUER)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(`${CONTEXT_TTL_SECONDS}s`)
      .setJti(randomUUID())
      .sign(this.key);
  }
}

/** Remembers each context id until it expires, so a context is accepted once. */
class ReplayGuard {
  private readonly seen = new Map<string, number>();
  private lastSweep = 0;

  firstUse(jti: string, expiresAtMs: number, nowMs: number): boolean {
    if (nowMs - this.lastSweep > 5_000) {
      for (const [id, expiry] of this.seen) if (expiry < nowMs) this.seen.delete(id);
      this.lastSweep = nowMs;
    }
    if (this.seen.has(jti)) return false;
    this.seen.set(jti, expiresAtMs);
    return true;
  }
}

export class ContextVerifier {
  private readonly replay = new ReplayGuard();

  private constructor(
    private readonly key: KeyLike | Uint8Array,
    private readonly audience: string,
  ) {}

  static async fromJwk(jwk: JWK, audience: string): Promise<ContextVerifier> {
    return new ContextVerifier(await importJWK(jwk, ALGORITHM), audience);
  }

  /** Throws UNAUTHENTICATED unless `token` is a fresh, unused context for this audience and body. */
  async verify(token: string | undefined, digest: string): Promise<RequestClaims> {
    if (!token) throw refusesRequest(unauthenticated('Missing gateway context'));
    let payload: Partial<ContextPayload> & { jti?: string; exp?: number };
    try {
      ({ payload } = await jwtVerify<ContextPayload>(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: CONTEXT_ISSUER,
        audience: this.audience,
        maxTokenAge: `${CONTEXT_TTL_SECONDS}s`,
        requiredClaims: ['jti', 'exp', 'iat'],
      }));
    } catch {
      throw refusesRequest(unauthenticated('Invalid gateway context'));
    }
    if (payload.digest !== digest) throw refusesRequest(unauthenticated('Gateway context does not match the request'));
    if (!this.replay.firstUse(payload.jti!, payload.exp! * 1000, Date.now())) {
      throw refusesRequest(unauthenticated('Gateway context already used'));
    }
    const { requestId, tenant, principal, clientIp, accessPolicy } = payload;
    if (!requestId || !principal || typeof clientIp !== 'string') throw refusesRequest(unauthenticated('Invalid gateway context'));
    return { requestId, tenant: tenant ?? null, principal, clientIp, accessPolicy: accessPolicy ?? null };
  }
}
