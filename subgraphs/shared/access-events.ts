import { EventEmitter } from 'node:events';
import Redis from 'ioredis';

const CHANNEL = 'cx:access-changed';

/**
 * Announces that a tenant's access (policy, operators, API clients) changed, so every gateway
 * drops what it cached for that tenant before the next request.
 */
export interface AccessEvents {
  publish(tenantSlug: string): Promise<void>;
  subscribe(listener: (tenantSlug: string) => void): () => void;
  close(): Promise<void>;
}

/** Within one process (`npm start`, tests). */
export class LocalAccessEvents implements AccessEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(100);

  async publish(tenantSlug: string): Promise<void> {
    this.emitter.emit(CHANNEL, tenantSlug);
  }

  subscribe(listener: (tenantSlug: string) => void): () => void {
    this.emitter.on(CHANNEL, listener);
    return () => this.emitter.off(CHANNEL, listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

/** Across processes and hosts, through Redis pub/sub (`REDIS_URL`). */
export class RedisAccessEvents implements AccessEvents {
  private readonly publisher: Redis;
  private subscriber?: Redis;
  private readonly listeners = new Set<(tenantSlug: string) => void>();

  constructor(private readonly url: string) {
    this.publisher = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 });
  }

  async publish(tenantSlug: string): Promise<void> {
    await this.publisher.publish(CHANNEL, tenantSlug);
  }

  subscribe(listener: (tenantSlug: string) => void): () => void {
    if (!this.subscriber) {
      this.subscriber = new Redis(this.url);
      void this.subscriber.subscribe(CHANNEL);
      this.subscriber.on('message', (_channel: string, slug: string) => this.listeners.forEach((l) => l(slug)));
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await Promise.all([this.publisher.quit(), this.subscriber?.quit()].map((quit) => quit?.catch(() => undefined)));
  }
}

const local = new LocalAccessEvents();

/** A new Redis channel when `redisUrl` is given (its owner closes it), otherwise the process-wide one. */
export function accessEvents(redisUrl?: string): AccessEvents {
  return redisUrl ? new RedisAccessEvents(redisUrl) : local;
}
