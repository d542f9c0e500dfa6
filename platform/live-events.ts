import { EventEmitter } from 'node:events';
import type Redis from 'ioredis';
import { closeRedisClient, createRedisClient, DEFAULT_REDIS_PREFIX, firstConnection } from './redis';

/**
 * What the interactions subgraph announces after a commit. Ids only, never text: a gateway that
 * hears one resolves what it means as each subscriber, through the supergraph, under its rules.
 */
export type LiveEvent =
  | { kind: 'segments'; tenantId: string; interactionId: string; sequences: number[] }
  | { kind: 'activity'; tenantId: string; interactionId: string; activity: 'STARTED' | 'ENDED' | 'TRANSFERRED' };

export type LiveListener = (event: LiveEvent) => void;

/** A channel per tenant: a gateway listens only on its subscribers' own tenants' channels. */
export interface LiveEvents {
  /** Best effort: a failure is reported, and a client that reconnects from its last sequence misses nothing. */
  publish(event: LiveEvent): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(tenantId: string, listener: LiveListener): () => void;
  /** Resolves once events of the tenant published from now on reach its listeners (read stored data after it). */
  ready(tenantId: string): Promise<void>;
  close(): Promise<void>;
}

function parse(message: string, tenantId: string): LiveEvent | null {
  try {
    const event = JSON.parse(message) as LiveEvent;
    // An event names its tenant; one heard on another tenant's channel is dropped.
    if (event?.tenantId !== tenantId || typeof event.interactionId !== 'string') return null;
    if (event.kind === 'segments' && Array.isArray(event.sequences) && event.sequences.every(Number.isInteger)) return event;
    if (event.kind === 'activity' && ['STARTED', 'ENDED', 'TRANSFERRED'].includes(event.activity)) return event;
    return null;
  } catch {
    return null;
  }
}

/** Within one process (`npm start` with everything in it, tests without Redis). */
export class LocalLiveEvents implements LiveEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(event: LiveEvent): Promise<void> {
    // Through JSON like Redis, so both paths deliver the same shape; after this turn, like Redis.
    const message = JSON.stringify(event);
    setImmediate(() => this.emitter.emit(event.tenantId, message));
  }

  subscribe(tenantId: string, listener: LiveListener): () => void {
    const handler = (message: string) => {
      const event = parse(message, tenantId);
      if (event) listener(event);
    };
    this.emitter.on(tenantId, handler);
    return () => this.emitter.off(tenantId, handler);
  }

  async ready(): Promise<void> {}

  async close(): Promise<void> {}
}

/** Across processes (`REDIS_URL`): Redis pub/sub on `<prefix>live:<tenantId>`, one subscription per tenant heard. */
export class RedisLiveEvents implements LiveEvents {
  private publisher?: Redis;
  private subscriber?: Redis;
  private readonly listeners = new Map<string, Set<LiveListener>>();
  private readonly subscribed = new Map<string, Promise<void>>();

  constructor(
    private readonly url: string,
    private readonly prefix = DEFAULT_REDIS_PREFIX,
  ) {}

  private channel(tenantId: string): string {
    return `${this.prefix}live:${tenantId}`;
  }

  async publish(event: LiveEvent): Promise<void> {
    this.publisher ??= createRedisClient(this.url, { name: 'live-publisher' });
    // The shared factory keeps no offline queue: wait for the first connection only.
    await firstConnection(this.publisher);
    await this.publisher.publish(this.channel(event.tenantId), JSON.stringify(event));
  }

  subscribe(tenantId: string, listener: LiveListener): () => void {
    if (!this.subscriber) {
      // A subscriber connection re-subscribes its channels by itself after a reconnect.
      this.subscriber = createRedisClient(this.url, { name: 'live-subscriber', maxRetriesPerRequest: null, commandTimeout: undefined, enableOfflineQueue: true });
      this.subscriber.on('message', (channel: string, message: string) => {
        if (!channel.startsWith(`${this.prefix}live:`)) return;
        const tenant = channel.slice(`${this.prefix}live:`.length);
        const event = parse(message, tenant);
        if (!event) return;
        for (const each of [...(this.listeners.get(tenant) ?? [])]) each(event);
      });
    }
    let set = this.listeners.get(tenantId);
    if (!set) {
      set = new Set();
      this.listeners.set(tenantId, set);
      this.subscribed.set(tenantId, this.subscriber.subscribe(this.channel(tenantId)).then(() => undefined, () => undefined));
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(tenantId);
      if (!current?.delete(listener) || current.size > 0) return;
      this.listeners.delete(tenantId);
      this.subscribed.delete(tenantId);
      this.subscriber?.unsubscribe(this.channel(tenantId)).catch(() => undefined);
    };
  }

  async ready(tenantId: string): Promise<void> {
    await this.subscribed.get(tenantId);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await Promise.all([this.publisher, this.subscriber].filter((c): c is Redis => !!c).map(closeRedisClient));
  }
}

const local = new LocalLiveEvents();

/** A new Redis channel when `redisUrl` is given (its owner closes it), otherwise the process-wide one. */
export function liveEvents(redisUrl?: string, prefix?: string): LiveEvents {
  return redisUrl ? new RedisLiveEvents(redisUrl, prefix) : local;
}
