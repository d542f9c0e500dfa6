import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { DomainError } from './errors';
import { closeRedisClient, createRedisClient, firstConnection, DEFAULT_REDIS_PREFIX, redisKey } from './redis';

export interface AccessVersions {
  tenant: string;
  all: string;
}

/**
 * Versions of each tenant's access (status, policy, operators, API clients, widget key). Identity
 * bumps a tenant's version after the change is committed and before the mutation answers; every
 * gateway reads it on every request and reuses a cached answer only if it was fetched at the
 * version it reads now. So a change holds from the next request at every gateway, with nothing
 * in flight to wait for (pub/sub delivery is asynchronous; this is not).
 */
export interface AccessEvents {
  /**
   * Names the store the versions live in. A gateway caches an answer only when identity bumps
   * versions in the same store it reads them from (see PrincipalDirectory).
   */
  readonly channel: string;
  /**
   * UNAVAILABLE (and nothing may be changed) while a bump could not be made: called before an
   * access change is saved, so that with the store down changes are refused rather than saved
   * unannounced (a gateway could then keep reusing an answer cached before the change).
   */
  assertReachable(): Promise<void>;
  /** Resolves once the bump is visible to every reader; UNAVAILABLE when it could not be made. */
  publish(tenantSlug: string): Promise<void>;
  /** The current versions; null when they cannot be read (nothing cached may then be trusted). */
  versions(tenantSlug: string | null): Promise<AccessVersions | null>;
  close(): Promise<void>;
}

/** Within one process (`npm start`, tests): a counter per tenant, bumped synchronously. */
export class LocalAccessEvents implements AccessEvents {
  readonly channel = `local:${randomUUID()}`;
  private readonly counters = new Map<string, number>();
  private all = 0;

  async assertReachable(): Promise<void> {}

  async publish(tenantSlug: string): Promise<void> {
    this.counters.set(tenantSlug, (this.counters.get(tenantSlug) ?? 0) + 1);
    this.all += 1;
  }

  async versions(tenantSlug: string | null): Promise<AccessVersions> {
    return { tenant: String(tenantSlug === null ? 0 : (this.counters.get(tenantSlug) ?? 0)), all: String(this.all) };
  }

  async close(): Promise<void> {}
}

/**
 * Across processes and hosts (`REDIS_URL`): INCR before the mutation answers, GET per request.
 * Keys live under the deployment's prefix; a read or bump that cannot be made at once (Redis
 * down) fails at once: the gateway then asks identity itself, and the change answers UNAVAILABLE.
 */
export class RedisAccessEvents implements AccessEvents {
  readonly channel: string;
  private readonly redis: Redis;
  private readonly versionKey: string;
  /** Bumped with every tenant's version: widget keys are looked up before their tenant is known. */
  private readonly allKey: string;

  constructor(url: string, prefix = DEFAULT_REDIS_PREFIX, commandTimeoutMs?: number) {
    this.redis = createRedisClient(url, { name: 'access-events', commandTimeoutMs });
    this.channel = `redis:${prefix}`;
    this.versionKey = redisKey(prefix, 'access-version', '');
    this.allKey = `${this.versionKey}*`;
    // A bump lost to an outage after its change was saved is made as soon as Redis is back.
    this.redis.on('ready', () => void this.bumpPending());
  }

  /** Tenants whose change was saved but whose bump failed (Redis went away in between). */
  private readonly pending = new Set<string>();

  async assertReachable(): Promise<void> {
    await firstConnection(this.redis);
    if (this.redis.status !== 'ready') {
      throw new DomainError('UNAVAILABLE', 'Access changes are unavailable while the shared store is unreachable; nothing was changed, try again shortly');
    }
  }

  private async bumpPending(): Promise<void> {
    for (const tenantSlug of [...this.pending]) {
      this.pending.delete(tenantSlug);
      await this.publish(tenantSlug).catch(() => undefined);
    }
  }

  async publish(tenantSlug: string): Promise<void> {
    try {
      await firstConnection(this.redis);
      const results = await this.redis.multi().incr(this.versionKey + tenantSlug).incr(this.allKey).exec();
      if (!results || results.some(([error]) => error)) throw new Error('INCR failed');
    } catch {
      this.pending.add(tenantSlug);
      // The change is saved; a gateway that cannot read versions either asks identity every time.
      throw new DomainError('UNAVAILABLE', 'The change was saved but could not be announced to the gateways; repeat it');
    }
  }

  async versions(tenantSlug: string | null): Promise<AccessVersions | null> {
    try {
      await firstConnection(this.redis);
      const [tenant, all] = await this.redis.mget(tenantSlug === null ? this.allKey : this.versionKey + tenantSlug, this.allKey);
      return { tenant: tenant ?? '0', all: all ?? '0' };
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    await closeRedisClient(this.redis);
  }
}

const local = new LocalAccessEvents();

/** A new Redis channel when `redisUrl` is given (its owner closes it), otherwise the process-wide one. */
export function accessEvents(redisUrl?: string, prefix = DEFAULT_REDIS_PREFIX, commandTimeoutMs?: number): AccessEvents {
  return redisUrl ? new RedisAccessEvents(redisUrl, prefix, commandTimeoutMs) : local;
}
