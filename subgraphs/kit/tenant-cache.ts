import { LRUCache } from 'lru-cache';
import type { TenantVersionKind, TenantVersions } from '../../platform/access-events';

/**
 * Values a process keeps per tenant (settings), reused only at the tenant version read for the
 * request: a change bumps the version, so every process of the deployment reads it again from the
 * next request. With the version unreadable nothing cached is used; `ttlMs` bounds the rest.
 */
export class VersionedTenantCache<V extends object> {
  private readonly entries: LRUCache<string, { value: V; version: string }>;

  constructor(
    private readonly versions: TenantVersions,
    private readonly kind: TenantVersionKind,
    ttlMs: number,
    max = 10_000,
  ) {
    this.entries = new LRUCache({ max, ttl: ttlMs });
  }

  /** The cached value at the tenant's current version, or `load()`'s (cached when the version is known). */
  async get(tenantId: string, load: () => Promise<V>): Promise<V> {
    // Read before loading: a change committed meanwhile bumps past the version this entry gets.
    const version = await this.versions.tenantVersion(this.kind, tenantId).catch(() => null);
    const hit = version === null ? undefined : this.entries.get(tenantId);
    if (hit && hit.version === version) return hit.value;
    const value = await load();
    if (version !== null) this.entries.set(tenantId, { value, version });
    return value;
  }

  /** After a change is committed: dropped here at once, and everywhere else by the version bump (UNAVAILABLE if it cannot be made). */
  async changed(tenantId: string): Promise<void> {
    this.entries.delete(tenantId);
    await this.versions.bumpTenantVersion(this.kind, tenantId);
  }
}
