import { CONTEXT_HEADER, requestDigest, serviceClaims, type AccessPolicyClaims, type ContextSigner } from '../../subgraphs/shared/auth/signed-context';

export interface TenantRecord {
  id: string;
  slug: string;
  status: 'ACTIVE' | 'DISABLED';
  accessPolicy: AccessPolicyClaims;
}

const PATH = '/tenant-access';

/**
 * Tenant status and access policy by slug, asked of the identity subgraph and cached briefly, so a
 * policy change reaches every gateway instance within the TTL.
 */
export class TenantDirectory {
  private readonly cache = new Map<string, { expires: number; value: Promise<TenantRecord | null> }>();
  private readonly url: string;

  constructor(
    identityGraphqlUrl: string,
    private readonly signer: ContextSigner,
    private readonly ttlMs: number,
  ) {
    this.url = identityGraphqlUrl.replace(/\/graphql\/?$/, '') + '/internal' + PATH;
  }

  lookup(slug: string, requestId: string): Promise<TenantRecord | null> {
    const now = Date.now();
    const hit = this.cache.get(slug);
    if (hit && hit.expires > now) return hit.value;
    const value = this.fetch(slug, requestId);
    this.cache.set(slug, { expires: now + this.ttlMs, value });
    value.catch(() => this.cache.delete(slug));
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    return value;
  }

  /** Forget cached answers (tests, or an invalidation message). */
  clear(): void {
    this.cache.clear();
  }

  private async fetch(slug: string, requestId: string): Promise<TenantRecord | null> {
    const body = { slug };
    const response = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [CONTEXT_HEADER]: await this.signer.sign(serviceClaims(requestId), 'identity', requestDigest(PATH, body)),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) throw new Error(`tenant lookup failed with HTTP ${response.status}`);
    return ((await response.json()) as { tenant: TenantRecord | null }).tenant;
  }
}
