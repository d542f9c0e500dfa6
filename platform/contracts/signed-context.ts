import { createHmac, createSecretKey, hash, hkdfSync, randomUUID, timingSafeEqual, type KeyObject } from 'node:crypto';
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

const hmac = (key: Uint8Array | KeyObject, data: string) => createHmac('sha256', key).update(data).digest();
/** Long enough for one planned fetch; replay within it is caught by the jti cache. */
export const CONTEXT_TTL_SECONDS = 30;

/**
 * `service` is the gateway speaking for itself; `subgraph` is another subgraph calling for a tenant;
 * `widget` is a tenant's public chat-widget key, which may record cookie consent and nothing else.
 */
export type PrincipalKind = 'operator' | 'api_client' | 'platform' | 'service' | 'subgraph' | 'widget' | 'anonymous';
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
  // One-shot: a Hash object per call (constructor, three updates, digest) cost several times more in a busy server.
  return hash('sha256', `${query ?? ''}\n${JSON.stringify(variables ?? {})}`, 'base64url');
}

/**
 * Each subgraph's own verification key, derived from the gateway's master secret. A subgraph is
 * given only its key, so a compromised subgraph cannot sign contexts that another one accepts.
 */
export function contextKeyFor(masterSecret: Uint8Array, audience: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', masterSecret, 'cx-context-v1', audience, 32));
}

/** Issuer of contexts one subgraph signs for another (service-to-service calls). */
export const SUBGRAPH_ISSUER_PREFIX = 'cx-subgraph:';

/**
 * The key of one service link (`caller>callee`), derived from the same master secret. Only the two
 * ends hold it, so a link key lets the caller speak to that callee alone, and only as itself.
 */
export function serviceLinkKey(masterSecret: Uint8Array, caller: string, callee: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', masterSecret, 'cx-service-link-v1', `${caller}>${callee}`, 32));
}

function signContext(key: Uint8Array | KeyObject, issuer: string, claims: RequestClaims, audience: string, digest: string): string {
  const iat = Math.floor(Date.now() / 1000);
  // Field by field: spreading the claims into a literal with more keys costs ~10 µs a call in V8.
  const payload: ContextPayload & Record<string, unknown> = {
    requestId: claims.requestId,
    tenant: claims.tenant,
    principal: claims.principal,
    clientIp: claims.clientIp,
    accessPolicy: claims.accessPolicy,
    digest,
    iss: issuer,
    aud: audience,
    iat,
    exp: iat + CONTEXT_TTL_SECONDS,
    jti: randomUUID(),
  };
  const signingInput = `${CONTEXT_JWS_HEADER}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${signingInput}.${hmac(key, signingInput).toString('base64url')}`;
}

/** Signs a subgraph's calls to the subgraphs it has a link to. */
export class ServiceContextSigner {
  constructor(
    private readonly caller: string,
    /** Outbound link keys by callee. */
    private readonly keys: ReadonlyMap<string, Uint8Array>,
  ) {}

  canCall(callee: string): boolean {
    return this.keys.has(callee);
  }

  sign(claims: RequestClaims, callee: string, digest: string): string {
    const key = this.keys.get(callee);
    if (!key) throw new Error(`${this.caller} has no service link to ${callee}`);
    const principal = { id: this.caller, kind: 'subgraph' as const, roles: [], scopes: [] };
    const { requestId, tenant, clientIp, accessPolicy } = claims;
    return signContext(key, `${SUBGRAPH_ISSUER_PREFIX}${this.caller}`, { requestId, tenant, principal, clientIp, accessPolicy }, callee, digest);
  }
}

export function decodeSecret(value: string, name: string): Uint8Array {
  const bytes = Buffer.from(value, 'base64url');
  if (bytes.length < 32) throw new Error(`${name} must be at least 32 bytes, base64url-encoded`);
  return new Uint8Array(bytes);
}

export class ContextSigner {
  /** Derived once per audience, as key objects: HMAC with raw bytes imports them on every call. */
  private readonly keys = new Map<string, KeyObject>();

  constructor(private readonly masterSecret: Uint8Array) {}

  sign(claims: RequestClaims, audience: string, digest: string): string {
    let key = this.keys.get(audience);
    if (!key) {
      key = createSecretKey(contextKeyFor(this.masterSecret, audience));
      this.keys.set(audience, key);
    }
    return signContext(key, CONTEXT_ISSUER, claims, audience, digest);
  }

  /**
   * A key for another use of the master secret, under its own HKDF salt: it can never equal a
   * subgraph's context key or a link key, and every process holding the secret derives the same.
   */
  derivedKey(purpose: string): Uint8Array {
    return new Uint8Array(hkdfSync('sha256', this.masterSecret, 'cx-derived-v1', purpose, 32));
  }
}

/** Remembers each context id until it expires, so a context is accepted once by this process. */
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

/**
 * Context ids seen by every instance of a subgraph (Redis `SET NX PX`, see RedisReplayStore).
 * `null`: the store cannot say now (unreachable); the verifier then relies on its own process.
 */
export interface SharedReplayStore {
  firstUse(audience: string, jti: string, expiresAtMs: number): Promise<boolean | null>;
}

export class ContextVerifier {
  private readonly replay = new ReplayGuard();
  /** The keys as key objects: HMAC with raw bytes imports the key on every call. */
  private readonly ownKey: KeyObject;
  private readonly linkKeys: ReadonlyMap<string, KeyObject>;

  /**
   * `key` is this subgraph's own key (see contextKeyFor), never the master secret; `links` holds the
   * inbound service-link keys by calling subgraph.
   */
  constructor(
    key: Uint8Array,
    private readonly audience: string,
    links: ReadonlyMap<string, Uint8Array> = new Map(),
    /**
     * Behind a load balancer a context replayed to another instance is caught only here. While it
     * is unreachable each process still refuses what it has seen itself (see README: Scale-out).
     */
    private readonly shared?: SharedReplayStore,
    /** Told each time the shared store could not be asked (a metric, a rate-limited log). */
    private readonly onSharedUnavailable?: () => void,
  ) {
    this.ownKey = createSecretKey(key);
    this.linkKeys = new Map([...links].map(([caller, linkKey]) => [caller, createSecretKey(linkKey)]));
  }

  /** Throws UNAUTHENTICATED unless `token` is a fresh, unused context for this audience and body. */
  async verify(token: string | undefined, digest: string): Promise<RequestClaims> {
    if (!token) throw refusesRequest(unauthenticated('Missing gateway context'));
    const payload = this.authentic(token);
    const now = Date.now() / 1000;
    if (
      !payload ||
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
    // Remembered until it could no longer be accepted (expiry plus the clock tolerance).
    if (!this.replay.firstUse(payload.jti, (payload.exp + CLOCK_TOLERANCE_SECONDS) * 1000, Date.now())) {
      throw refusesRequest(unauthenticated('Gateway context already used'));
    }
    if (this.shared) {
      const first = await this.shared.firstUse(this.audience, payload.jti, (payload.exp + CLOCK_TOLERANCE_SECONDS) * 1000);
      if (first === false) throw refusesRequest(unauthenticated('Gateway context already used'));
      if (first === null) this.onSharedUnavailable?.();
    }
    const { requestId, tenant, clientIp, accessPolicy } = payload;
    if (!requestId || !payload.principal || typeof clientIp !== 'string') throw refusesRequest(unauthenticated('Invalid gateway context'));
    // A subgraph is only ever itself, with no roles of its own, whatever its token says.
    const caller = this.callerOf(payload.iss);
    const principal = caller ? { id: caller, kind: 'subgraph' as const, roles: [], scopes: [] } : payload.principal;
    if (!caller && principal.kind === 'subgraph') throw refusesRequest(unauthenticated('Invalid gateway context'));
    return { requestId, tenant: tenant ?? null, principal, clientIp, accessPolicy: accessPolicy ?? null };
  }

  private callerOf(issuer: unknown): string | null {
    return typeof issuer === 'string' && issuer.startsWith(SUBGRAPH_ISSUER_PREFIX) ? issuer.slice(SUBGRAPH_ISSUER_PREFIX.length) : null;
  }

  /** The key for an issuer: the gateway's, or an inbound link's; none for anyone else. */
  private keyFor(issuer: unknown): KeyObject | undefined {
    if (issuer === CONTEXT_ISSUER) return this.ownKey;
    const caller = this.callerOf(issuer);
    return caller ? this.linkKeys.get(caller) : undefined;
  }

  /**
   * The payload, if the token carries exactly our header and a valid signature under the key its
   * issuer implies; otherwise null. Nothing in the payload is used before the signature holds.
   */
  private authentic(token: string): (Partial<ContextPayload> & { iss?: unknown; aud?: unknown; exp?: unknown; iat?: unknown; jti?: unknown }) | null {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== CONTEXT_JWS_HEADER) return null;
    let payload: (Partial<ContextPayload> & { iss?: unknown }) | null;
    try {
      payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    if (!payload || typeof payload !== 'object') return null;
    const key = this.keyFor(payload.iss);
    if (!key) return null;
    const expected = hmac(key, `${parts[0]}.${parts[1]}`);
    const given = Buffer.from(parts[2], 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    return payload;
  }
}
