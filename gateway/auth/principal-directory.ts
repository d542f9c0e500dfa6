import { LRUCache } from 'lru-cache';
import type { Agent } from 'undici';
import { CONTEXT_HEADER, requestDigest, serviceClaims, type ContextSigner } from '../../platform/contracts/signed-context';
import {
  CLIENT_CREDENTIALS_PATH,
  IDENTITY_LOOKUPS_PREFIX,
  PRINCIPAL_PATH,
  WIDGET_KEY_PATH,
  type Announced,
  type IdentityLookupPath,
  type IdentityLookups,
  type PrincipalAccess,
  type WidgetAccess,
} from '../../platform/contracts/identity-lookups';
import type { AccessEvents } from '../../platform/access-events';
import { DEADLINE_HEADER } from '../../platform/deadline';
import { DomainError, refusesRequest } from '../../platform/errors';
import { callWithin, keepAlivePool } from '../../platform/http-pool';

/** Identity not answering refuses the request as an outage (503), never as a bug. */
const identityUnavailable = () => refusesRequest(new DomainError('UNAVAILABLE', 'The identity service could not be reached'));

interface Entry<T> {
  /** The version read before the answer was asked for: a change committed meanwhile bumps past it. */
  version: string;
  value: T;
}

/** The pool of keep-alive connections to identity's access directory. */
export interface DirectoryConnections {
  connections: number;
  /** Below identity's own keep-alive (Node's 5 s), so a reused socket is never one it is closing. */
  keepAliveMs: number;
}

/**
 * Asks the identity subgraph whether a tenant is live, what it allows, and whether a principal
 * may act for it. An answer is reused only while the tenant's access version (read on every
 * request, see AccessEvents) is the one it was fetched at, for at most the TTL, and only when
 * identity bumps versions in the store this gateway reads: so a revocation or policy change holds
 * from the next request at every gateway. Without a shared store (a gateway in its own process
 * and no Redis) nothing is reused and every request asks identity, over a keep-alive pool
 * (platform/http-pool.ts).
 */
export class PrincipalDirectory {
  private readonly cache: LRUCache<string, Entry<PrincipalAccess>>;
  private readonly widgets: LRUCache<string, Entry<WidgetAccess>>;
  private readonly baseUrl: string;
  private readonly agent: Agent;

  constructor(
    identityGraphqlUrl: string,
    private readonly signer: ContextSigner,
    private readonly ttlMs: number,
    private readonly events: AccessEvents,
    private readonly timeoutMs = 3_000,
    pool: DirectoryConnections = { connections: 64, keepAliveMs: 4_000 },
  ) {
    this.baseUrl = identityGraphqlUrl.replace(/\/graphql\/?$/, '') + IDENTITY_LOOKUPS_PREFIX;
    this.agent = keepAlivePool({ connections: pool.connections, keepAliveMs: pool.keepAliveMs, connectTimeoutMs: timeoutMs });
    // With a TTL of 0 nothing is kept (see cached), so the caches' own TTL need not be set.
    const ttl = Math.max(ttlMs, 0);
    this.cache = new LRUCache({ max: 50_000, ttl });
    this.widgets = new LRUCache({ max: 10_000, ttl });
  }

  async lookup(tenant: string, kind: string, subject: string, requestId: string): Promise<PrincipalAccess> {
    const key = JSON.stringify([tenant, kind, subject]);
    const versions = this.ttlMs > 0 ? await this.events.versions(tenant) : null;
    return this.cached(this.cache, key, versions?.tenant, () =>
      this.call(PRINCIPAL_PATH, { tenant, kind, subject }, requestId).then(({ channel, ...value }) => ({ value, channel })),
    );
  }

  /** Cached like principals, at the version of every tenant (the key's tenant is known only from the answer). */
  async widget(key: string, requestId: string): Promise<WidgetAccess> {
    const versions = this.ttlMs > 0 ? await this.events.versions(null) : null;
    return this.cached(this.widgets, key, versions?.all, () =>
      this.call(WIDGET_KEY_PATH, { key }, requestId).then(({ widget, channel }) => ({ value: widget, channel })),
    );
  }

  async verifyClient(clientId: string, clientSecret: string, requestId: string) {
    const { client } = await this.call(CLIENT_CREDENTIALS_PATH, { clientId, clientSecret }, requestId);
    return client;
  }

  private closing?: Promise<void>;

  /** Forgets every answer and closes the connections (closing again is harmless). */
  close(): Promise<void> {
    this.cache.clear();
    this.widgets.clear();
    this.closing ??= this.agent.close();
    return this.closing;
  }

  /** `version` undefined: versions cannot be read, or caching is off; the answer is not kept. */
  private async cached<T>(cache: LRUCache<string, Entry<T>>, key: string, version: string | undefined, ask: () => Promise<{ value: T } & Announced>): Promise<T> {
    const hit = cache.get(key);
    if (version !== undefined && hit && hit.version === version) return hit.value;
    const { value, channel } = await ask();
    // Kept only once identity has said it bumps versions where this gateway reads them; until
    // then no request shares another's answer.
    if (version !== undefined && channel === this.events.channel) cache.set(key, { version, value });
    return value;
  }

  private async call<P extends IdentityLookupPath>(path: P, body: IdentityLookups[P]['request'], requestId: string): Promise<IdentityLookups[P]['answer']> {
    const token = await this.signer.sign(serviceClaims(requestId), 'identity', requestDigest(path, body));
    let status: number;
    let text: string;
    try {
      ({ status, text } = await callWithin(
        this.agent,
        this.baseUrl + path,
        { headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: token, [DEADLINE_HEADER]: String(this.timeoutMs) }, body: JSON.stringify(body) },
        this.timeoutMs,
      ));
    } catch {
      throw identityUnavailable();
    }
    if (status >= 500) throw identityUnavailable();
    if (status < 200 || status >= 300) throw new Error(`identity ${path} answered HTTP ${status}`);
    try {
      return JSON.parse(text) as IdentityLookups[P]['answer'];
    } catch {
      throw identityUnavailable();
    }
  }
}
