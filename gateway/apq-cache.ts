import type { KeyValueCache, KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import type Redis from 'ioredis';
import { firstConnection, redisKey } from '../platform/redis';

/** How long a registered persisted query is kept when Apollo gives no TTL. */
const DEFAULT_TTL_SECONDS = 3_600;

/**
 * Apollo Server's automatic persisted queries, shared by every gateway instance: a query
 * registered through one is found by its hash at any other. Entries expire (nobody may fill Redis
 * for good). Redis unreachable: a miss, so the client sends the full query again (the APQ
 * protocol's PERSISTED_QUERY_NOT_FOUND) and nothing is refused for it.
 */
export class RedisPersistedQueryCache implements KeyValueCache<string> {
  private readonly keyPrefix: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keyPrefix = redisKey(prefix, 'apq', '');
  }

  async get(key: string): Promise<string | undefined> {
    try {
      await firstConnection(this.redis);
      return (await this.redis.get(this.keyPrefix + key)) ?? undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    const ttl = options?.ttl ?? DEFAULT_TTL_SECONDS;
    try {
      await this.redis.set(this.keyPrefix + key, value, 'EX', Math.max(1, Math.ceil(ttl)));
    } catch {
      // Not kept: the next use of the hash is a miss, and the client sends the query again.
    }
  }

  async delete(key: string): Promise<boolean> {
    try {
      return (await this.redis.del(this.keyPrefix + key)) > 0;
    } catch {
      return false;
    }
  }
}
