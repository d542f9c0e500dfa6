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

/** Identity not answering refuses the request as an outage (503), never as a bug. */
const identityUnavailable = () => refusesRequest(new DomainError('UNAVAILABLE', 'The identity service could not be reached'));

interface Entry<T> {
  expires: number;
  /** The version read before the answer was asked for: a change committed meanwhile bumps past it. */
  version: string;
  value: T;
}

/**
 * Asks the identity subgraph whether a tenant is live, what it allows, and whether a principal
 * may act for it. An answer is reused only while the tenant's access version (read on every
 * request, see AccessEvents) is the one it was fetched at, for at most the TTL, and only when
 * identity bumps versions in the store this gateway reads: so a revocation or policy change holds
 * from the next request at every gateway. Without a shared store (a gateway in its own process
 * and no Redis) nothing is reused and every request asks identity.
 */
export class PrincipalDirectory {
  private readonly cache = new Map<string, Entry<PrincipalAccess>>();
  private readonly widgets = new Map<string, Entry<WidgetAccess>>();
  private readonly baseUrl: string;

  constructor(
    identityGraphqlUrl: string,
    private readonly signer: ContextSigner,
    private readonly ttlMs: number,
    private readonly events: AccessEvents,
    private readonly timeoutMs = 3_000,
  ) {
    this.baseUrl = identityGraphqlUrl.replace(/\/graphql\/?$/, '') + IDENTITY_LOOKUPS_PREFIX;
  }

  async lookup(tenant: string, kind: string, subject: string, requestId: string): Promise<PrincipalAccess> {
    const key = JSON.stringify([tenant, kind, subject]);
    const versions = this.ttlMs > 0 ? await this.events.versions(tenant) : null;
    return this.cached(this.cache, key, versions?.tenant, 50_000, () =>
      this.call(PRINCIPAL_PATH, { tenant, kind, subject }, requestId).then(({ channel, ...value }) => ({ value, channel })),
    );
  }

  /** Cached like principals, at the version of every tenant (the key's tenant is known only from the answer). */
  async widget(key: string, requestId: string): Promise<WidgetAccess> {
    const versions = this.ttlMs > 0 ? await this.events.versions(null) : null;
    return this.cached(this.widgets, key, versions?.all, 10_000, () =>
      this.call(WIDGET_KEY_PATH, { key }, requestId).then(({ widget, channel }) => ({ value: widget, channel })),
    );
  }

  async verifyClient(clientId: string, clientSecret: string, requestId: string) {
    const { client } = await this.call(CLIENT_CREDENTIALS_PATH, { clientId, clientSecret }, requestId);
    return client;
  }

  close(): void {
    this.cache.clear();
    this.widgets.clear();
  }

  /** `version` undefined: versions cannot be read, or caching is off; the answer is not kept. */
  private async cached<T>(map: Map<string, Entry<T>>, key: string, version: string | undefined, max: number, ask: () => Promise<{ value: T } & Announced>): Promise<T> {
    const now = Date.now();
    const hit = map.get(key);
    if (version !== undefined && hit && hit.version === version && hit.expires > now) return hit.value;
    const { value, channel } = await ask();
    // Kept only once identity has said it bumps versions where this gateway reads them; until
    // then no request shares another's answer.
    if (version !== undefined && channel === this.events.channel) {
      map.set(key, { expires: now + this.ttlMs, version, value });
      if (map.size > max) map.delete(map.keys().next().value!);
    }
    return value;
  }

  private async call<P extends IdentityLookupPath>(path: P, body: IdentityLookups[P]['request'], requestId: string): Promise<IdentityLookups[P]['answer']> {
    const token = await this.signer.sign(serviceClaims(requestId), 'identity', requestDigest(path, body));
    let response: Response;
    try {
      response = await fetch(this.baseUrl + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: token, [DEADLINE_HEADER]: String(this.timeoutMs) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (response.status >= 500) throw new Error(`identity ${path} answered HTTP ${response.status}`);
    } catch {
      throw identityUnavailable();
    }
    if (!response.ok) throw new Error(`identity ${path} answered HTTP ${response.status}`);
    try {
      return (await response.json()) as IdentityLookups[P]['answer'];
    } catch {
      throw identityUnavailable();
    }
  }
}
