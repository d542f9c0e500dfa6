import { createHash, createHmac, hkdfSync, randomUUID, timingSafeEqual } from 'node:crypto';
import { refusesRequest, unauthenticated } from '../errors';

export const CONTEXT_HEADER = 'x-cx-context';
export const CONTEXT_ISSUER = 'cx-gateway';
/**
 * The context is a compact JWS (HS256) with this exact header, made and checked with node:crypto:
 * jose's general JWS path costs ~70 µs per call, and the gateway signs (and subgraphs verify) one
 * per subgraph fetch. A fixed header means no algorithm is ever read from the token. Tests check
 * that jose accepts these tokens and that tokens jose makes with this header are accepted here.
 */
export const CONTEXT_JWS_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
const CLOCK_TOLERANCE_SECONDS = 5;

const hmac = (key: Uint8Array, data: string) => createHmac('sha256', key).update(data).digest();
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

/**
 * Each subgraph's own verification key, derived from the gateway's master secret. A subgraph is
 * given only its key, so a compromised subgraph cannot sign contexts that another one accepts.
 */
export function contextKeyFor(masterSecret: Uint8Array, audience: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', masterSecret, 'cx-context-v1', audience, 32));
}

export function decodeSecret(value: string, name: string): Uint8Array {
  const bytes = Buffer.from(value, 'base64url');
  if (bytes.length < 32) throw new Error(`${name} must be at least 32 bytes, base64url-encoded`);
  return new Uint8Array(bytes);
}

export class ContextSigner {
  private readonly keys = new Map<string, Uint8Array>();

  constructor(private readonly masterSecret: Uint8Array) {}

  sign(claims: RequestClaims, audience: string, digest: string): Promise<string> {
    let key = this.keys.get(audience);
    if (!key) {
      key = contextKeyFor(this.masterSecret, audience);
      this.keys.set(audience, key);
    }
    const iat = Math.floor(Date.now() / 1000);
    const payload = { ...claims, digest, iss: CONTEXT_ISSUER, aud: audience, iat, exp: iat + CONTEXT_TTL_SECONDS, jti: randomUUID() };
    const signingInput = `${CONTEXT_JWS_HEADER}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return Promise.resolve(`${signingInput}.${hmac(key, signingInput).toString('base64url')}`);
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

  /** `key` is this subgraph's own key (see contextKeyFor), never the master secret. */
  constructor(
    private readonly key: Uint8Array,
    private readonly audience: string,
  ) {}

  /** Throws UNAUTHENTICATED unless `token` is a fresh, unused context for this audience and body. */
  async verify(token: string | undefined, digest: string): Promise<RequestClaims> {
    if (!token) throw refusesRequest(unauthenticated('Missing gateway context'));
    const payload = this.authentic(token);
    const now = Date.now() / 1000;
    if (
      !payload ||
      payload.iss !== CONTEXT_ISSUER ||
      payload.aud !== this.audience ||
      typeof payload.exp !== 'number' ||
      typeof payload.iat !== 'number' ||
      typeof payload.jti !== 'string' ||
      payload.exp + CLOCK_TOLERANCE_SECONDS < now ||
      payload.iat - CLOCK_TOLERANCE_SECONDS > now ||
      now - payload.iat > CONTEXT_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS
    ) {
      throw refusesRequest(unauthenticated('Invalid gateway context'));
    }
    if (payload.digest !== digest) throw refusesRequest(unauthenticated('Gateway context does not match the request'));
    if (!this.replay.firstUse(payload.jti, payload.exp * 1000, Date.now())) {
      throw refusesRequest(unauthenticated('Gateway context already used'));
    }
    const { requestId, tenant, principal, clientIp, accessPolicy } = payload;
    if (!requestId || !principal || typeof clientIp !== 'string') throw refusesRequest(unauthenticated('Invalid gateway context'));
    return { requestId, tenant: tenant ?? null, principal, clientIp, accessPolicy: accessPolicy ?? null };
  }

  /** The payload, if the token carries exactly our header and a valid signature; otherwise null. */
  private authentic(token: string): (Partial<ContextPayload> & { iss?: unknown; aud?: unknown; exp?: unknown; iat?: unknown; jti?: unknown }) | null {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== CONTEXT_JWS_HEADER) return null;
    const expected = hmac(this.key, `${parts[0]}.${parts[1]}`);
    const given = Buffer.from(parts[2], 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
      return payload && typeof payload === 'object' ? payload : null;
    } catch {
      return null;
    }
  }
}
