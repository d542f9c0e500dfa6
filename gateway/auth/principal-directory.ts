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

const PRINCIPAL_PATH = '/principal';
const CLIENT_CREDENTIALS_PATH = '/client-credentials';

/**
 * Asks the identity subgraph whether a tenant is live, what it allows, and whether a principal
 * may act for it. Answers are cached briefly and dropped as soon as identity announces a change
 * for that tenant, so a revocation or policy change applies from the next request.
 */
export class PrincipalDirectory {
  private readonly cache = new Map<string, { expires: number; value: Promise<PrincipalAccess> }>();
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
  }

  close(): void {
    this.unsubscribe();
    this.cache.clear();
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
