import type Redis from 'ioredis';
import { firstConnection, redisKey } from '../../../platform/redis';
import type { SharedReplayStore } from '../../../platform/contracts/signed-context';

/**
 * Context ids in Redis, one key per id (`<prefix>ctx-seen:<audience>:<jti>`), set only if absent
 * and expiring when the context could no longer be accepted: the first instance to see a context
 * wins, every other instance refuses it.
 */
export class RedisReplayStore implements SharedReplayStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async firstUse(audience: string, jti: string, expiresAtMs: number): Promise<boolean | null> {
    const ttl = Math.max(1, Math.ceil(expiresAtMs - Date.now()));
    try {
      await firstConnection(this.redis);
      const answer = await this.redis.set(redisKey(this.prefix, 'ctx-seen', audience, jti), '1', 'PX', ttl, 'NX');
      return answer === 'OK';
    } catch {
      return null;
    }
  }
}
