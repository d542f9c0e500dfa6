import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { SubgraphContext } from '../../kit/context';
import { liveEvents, type LiveEvent, type LiveEvents } from '../../../platform/live-events';
import type { SubgraphWorker } from '../../kit/server';

/** The channel each interactions server publishes on, opened and closed with the server. */
const channels = new WeakMap<DataSource, { events: LiveEvents; logger: Logger }>();

export const livePublisherWorker: SubgraphWorker = {
  name: 'live-events',
  start({ dataSource, config, logger }) {
    const owned = config.redisUrl ? liveEvents(config.redisUrl, config.redisPrefix) : undefined;
    channels.set(dataSource, { events: owned ?? liveEvents(), logger });
    return {
      async stop() {
        channels.delete(dataSource);
        await owned?.close();
      },
    };
  },
};

/**
 * Announces committed changes to the gateways, after the commit (the caller awaits the write
 * first). A failed announcement does not undo or fail the write: a subscriber that reconnects from
 * its last sequence reads what it missed.
 */
export class ActivityPublisher {
  constructor(private readonly ctx: SubgraphContext) {}

  segmentsAppended(interactionId: string, sequences: number[]): Promise<void> {
    if (sequences.length === 0) return Promise.resolve();
    return this.publish({ kind: 'segments', tenantId: this.ctx.tenantId, interactionId, sequences: [...sequences].sort((a, b) => a - b) });
  }

  activity(interactionId: string, activity: 'STARTED' | 'ENDED' | 'TRANSFERRED'): Promise<void> {
    return this.publish({ kind: 'activity', tenantId: this.ctx.tenantId, interactionId, activity });
  }

  private async publish(event: LiveEvent): Promise<void> {
    const channel = channels.get(this.ctx.dataSource);
    if (!channel) return;
    try {
      await channel.events.publish(event);
    } catch (error) {
      channel.logger.warn({ interactionId: event.interactionId, kind: event.kind, reason: (error as Error).message }, 'live event not published');
    }
  }
}
