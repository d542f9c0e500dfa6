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
export interface AccessEvents extends TenantVersions {
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

/** What a tenant version covers: its per-person keys, or its settings (interactions: redaction, metrics). */
export type TenantVersionKind = 'keys' | 'settings';

/**
 * Versions of what each tenant's processes cache, shared by every process that caches it: bumped
 * with each change (around each key destruction, after each settings change), read once per
 * request by a process before it reuses a cached value. A value cached at another version is not used.
 */
export interface TenantVersions {
  /** null when it cannot be read: then nothing cached may be used. */
  tenantVersion(kind: TenantVersionKind, tenantId: string): Promise<string | null>;
  /** UNAVAILABLE when the bump could not be made. */
  bumpTenantVersion(kind: TenantVersionKind, tenantId: string): Promise<void>;
}

/** Within one process (`npm start`, tests): a counter per tenant, bumped synchronously. */
export class LocalAccessEvents implements AccessEvents, TenantVersions {
  readonly channel = `local:${randomUUID()}`;
  private readonly counters = new Map<string, number>();
  private readonly tenantCounters = new Map<string, number>();
  private all = 0;

  async tenantVersion(kind: TenantVersionKind, tenantId: string): Promise<string> {
    return String(this.tenantCounters.get(`${kind}:${tenantId}`) ?? 0);
  }

  async bumpTenantVersion(kind: TenantVersionKind, tenantId: string): Promise<void> {
    const key = `${kind}:${tenantId}`;
    this.tenantCounters.set(key, (this.tenantCounters.get(key) ?? 0) + 1);
  }

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

/** The real one, should a test fake the timers. */
const atEndOfTurn = setImmediate;

/**
 * Reads of keys asked for in one turn of the event loop (every request the gateway admits reads
 * its tenant's version), sent together as one MGET at the end of that turn. A read is joined only
 * until it is sent, so it leaves after every request it answers arrived, and sees every bump
 * committed before any of them; one already on its way is never joined, since a bump committed
 * after it left but before a later request arrived must hold for that request.
 */
export class BatchedReads {
  private pending: Map<string, number> | undefined;
  private pendingValues: Promise<(string | null)[] | null> | undefined;

  constructor(private readonly read: (keys: string[]) => Promise<(string | null)[]>) {}

  /** The keys' values in order; null when they could not be read. */
  async get(keys: string[]): Promise<(string | null)[] | null> {
    if (!this.pending) {
      const batch = new Map<string, number>();
      this.pending = batch;
      this.pendingValues = new Promise((resolve) =>
        atEndOfTurn(() => {
          // Whoever asks from now on waits for the next read.
          this.pending = undefined;
          this.read([...batch.keys()]).then(resolve, () => resolve(null));
        }),
      );
    }
    const batch = this.pending;
    const values = this.pendingValues!;
    const slots = keys.map((key) => {
      let slot = batch.get(key);
      if (slot === undefined) batch.set(key, (slot = batch.size));
      return slot;
    });
    const read = await values;
    return read && slots.map((slot) => read[slot] ?? null);
  }
}

/**
 * Across processes and hosts (`REDIS_URL`): INCR before the mutation answers, GET per request.
 * Keys live under the deployment's prefix; a read or bump that cannot be made at once (Redis
 * down) fails at once: the gateway then asks identity itself, and the change answers UNAVAILABLE.
 */
export class RedisAccessEvents implements AccessEvents, TenantVersions {
  readonly channel: string;
  private readonly redis: Redis;
  private readonly versionKey: string;
  private readonly prefix: string;
  /** Bumped with every tenant's version: widget keys are looked up before their tenant is known. */
  private readonly allKey: string;

  constructor(url: string, prefix = DEFAULT_REDIS_PREFIX, commandTimeoutMs?: number) {
    this.redis = createRedisClient(url, { name: 'access-events', commandTimeoutMs });
    this.channel = `redis:${prefix}`;
    this.versionKey = redisKey(prefix, 'access-version', '');
    this.allKey = `${this.versionKey}*`;
    this.prefix = prefix;
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

  private readonly reads = new BatchedReads((keys) => firstConnection(this.redis).then(() => this.redis.mget(keys)));

  async versions(tenantSlug: string | null): Promise<AccessVersions | null> {
    const values = await this.reads.get([tenantSlug === null ? this.allKey : this.versionKey + tenantSlug, this.allKey]);
    return values && { tenant: values[0] ?? '0', all: values[1] ?? '0' };
  }

  private tenantVersionKey(kind: TenantVersionKind, tenantId: string): string {
    return redisKey(this.prefix, `${kind}-version`, tenantId);
  }

  async tenantVersion(kind: TenantVersionKind, tenantId: string): Promise<string | null> {
    try {
      await firstConnection(this.redis);
      return (await this.redis.get(this.tenantVersionKey(kind, tenantId))) ?? '0';
    } catch {
      return null;
    }
  }

  async bumpTenantVersion(kind: TenantVersionKind, tenantId: string): Promise<void> {
    try {
      await firstConnection(this.redis);
      await this.redis.incr(this.tenantVersionKey(kind, tenantId));
    } catch {
      throw new DomainError('UNAVAILABLE', 'The shared store is unreachable, so the change cannot be announced; try again shortly');
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
