import { CONTEXT_HEADER, requestDigest, serviceClaims, type AccessPolicyClaims, type ContextSigner } from '../../subgraphs/shared/auth/signed-context';
import type { AccessEvents } from '../../subgraphs/shared/access-events';

export interface TenantRecord {
  id: string;
  slug: string;
  status: 'ACTIVE' | 'DISABLED';
  accessPolicy: AccessPolicyClaims;
}

export type PrincipalState =
  | { status: 'ACTIVE'; roles: string[]; scopes: string[] }
  | { status: 'REVOKED' }
  | { status: 'UNREGISTERED' };

export interface PrincipalAccess {
  tenant: TenantRecord | null;
  principal: PrincipalState;
}

/** A chat-widget key's tenant and the origins allowed to use it; null for an unknown key. */
export type WidgetAccess = { tenant: TenantRecord; origins: string[] } | null;

const PRINCIPAL_PATH = '/principal';
const CLIENT_CREDENTIALS_PATH = '/client-credentials';
const WIDGET_KEY_PATH = '/widget-key';

/**
 * Asks the identity subgraph whether a tenant is live, what it allows, and whether a principal
 * may act for it. Answers are cached briefly and dropped as soon as identity announces a change
 * for that tenant, so a revocation or policy change applies from the next request.
 */
export class PrincipalDirectory {
  private readonly cache = new Map<string, { expires: number; value: Promise<PrincipalAccess> }>();
  private readonly widgets = new Map<string, { expires: number; value: Promise<WidgetAccess>; slug?: string }>();
  private readonly baseUrl: string;
  private readonly unsubscribe: () => void;

  constructor(
    identityGraphqlUrl: string,
    private readonly signer: ContextSigner,
    private readonly ttlMs: number,
    events: AccessEvents,
  ) {
    this.baseUrl = identityGraphqlUrl.replace(/\/graphql\/?$/, '') + '/internal';
    this.unsubscribe = events.subscribe((slug) => this.forget(slug));
  }

  lookup(tenant: string, kind: string, subject: string, requestId: string): Promise<PrincipalAccess> {
    const key = JSON.stringify([tenant, kind, subject]);
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.expires > now) return hit.value;
    const value = this.call<PrincipalAccess>(PRINCIPAL_PATH, { tenant, kind, subject }, requestId);
    this.cache.set(key, { expires: now + this.ttlMs, value });
    value.catch(() => this.cache.delete(key));
    if (this.cache.size > 50_000) this.cache.delete(this.cache.keys().next().value!);
    return value;
  }

  /** Cached like principals; dropped when identity announces a change for the key's tenant (rotation included). */
  widget(key: string, requestId: string): Promise<WidgetAccess> {
    const now = Date.now();
    const hit = this.widgets.get(key);
    if (hit && hit.expires > now) return hit.value;
    const entry: { expires: number; value: Promise<WidgetAccess>; slug?: string } = {
      expires: now + this.ttlMs,
      value: this.call<{ widget: WidgetAccess }>(WIDGET_KEY_PATH, { key }, requestId).then(({ widget }) => widget),
    };
    this.widgets.set(key, entry);
    entry.value.then((widget) => (entry.slug = widget?.tenant.slug), () => this.widgets.delete(key));
    if (this.widgets.size > 10_000) this.widgets.delete(this.widgets.keys().next().value!);
    return entry.value;
  }

  async verifyClient(clientId: string, clientSecret: string, requestId: string) {
    const { client } = await this.call<{ client: { tenantSlug: string; clientId: string; scopes: string[] } | null }>(
      CLIENT_CREDENTIALS_PATH,
      { clientId, clientSecret },
      requestId,
    );
    return client;
  }

  /** Drops every cached answer for a tenant. */
  forget(slug: string): void {
    for (const key of this.cache.keys()) if ((JSON.parse(key) as string[])[0] === slug) this.cache.delete(key);
    // A rotated key's old entry names the tenant; an unknown key's (no tenant) may now be valid.
    for (const [key, entry] of this.widgets) if (entry.slug === slug || entry.slug === undefined) this.widgets.delete(key);
  }

  close(): void {
    this.unsubscribe();
    this.cache.clear();
    this.widgets.clear();
  }

  private async call<T>(path: string, body: Record<string, string>, requestId: string): Promise<T> {
    const response = await fetch(this.baseUrl + path, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [CONTEXT_HEADER]: await this.signer.sign(serviceClaims(requestId), 'identity', requestDigest(path, body)),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) throw new Error(`identity ${path} answered HTTP ${response.status}`);
    return (await response.json()) as T;
  }
}
