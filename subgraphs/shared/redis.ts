import Redis, { type RedisOptions } from 'ioredis';

/**
 * Minimal shared Redis factory (the scale-out work owns the full one): every key and channel of a
 * deployment starts with its prefix, so two deployments on one Redis never hear each other.
 */
export const DEFAULT_REDIS_PREFIX = 'cx:';

export function createRedisClient(url: string, options: RedisOptions = {}): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: 500, ...options });
  // Errors surface on the commands; the client reconnects by itself.
  client.on('error', () => undefined);
  return client;
}

export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status === 'ready') await client.quit().catch(() => undefined);
  client.disconnect();
}
