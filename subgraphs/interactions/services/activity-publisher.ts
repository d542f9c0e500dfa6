import type { Logger } from 'pino';
import type { SubgraphConfig } from '../../kit/config';
import { liveEvents, type LiveEvent, type LiveEvents } from '../../../platform/live-events';

/**
 * The channel an interactions server publishes on: one per process, held by the composition root,
 * opened and closed with the server by the live-events worker. Closed (or never opened), it drops
 * what it is given: announcements are best effort.
 */
export class LiveChannel {
  private open?: { events: LiveEvents; owned?: LiveEvents; logger: Logger };

  constructor(private readonly config: Pick<SubgraphConfig, 'redisUrl' | 'redisPrefix'>) {}

  /** Redis when the deployment has it (this server owns that connection), else the in-process channel. */
  start(logger: Logger): void {
    const owned = this.config.redisUrl ? liveEvents(this.config.redisUrl, this.config.redisPrefix) : undefined;
    this.open = { events: owned ?? liveEvents(), owned, logger };
  }

  async stop(): Promise<void> {
    const open = this.open;
    this.open = undefined;
    await open?.owned?.close();
  }

  async publish(event: LiveEvent): Promise<void> {
    const open = this.open;
    if (!open) return;
    try {
      await open.events.publish(event);
    } catch (error) {
      open.logger.warn({ interactionId: event.interactionId, kind: event.kind, reason: (error as Error).message }, 'live event not published');
    }
  }
}

/**
 * Announces committed changes to the gateways, after the commit (the caller awaits the write
 * first). A failed announcement does not undo or fail the write: a subscriber that reconnects from
 * its last sequence reads what it missed.
 */
export class ActivityPublisher {
  constructor(
    private readonly channel: LiveChannel,
    /** The request's tenant: an event names it, and is heard on its channel only. */
    private readonly tenant: { readonly tenantId: string },
  ) {}

  segmentsAppended(interactionId: string, sequences: number[]): Promise<void> {
    if (sequences.length === 0) return Promise.resolve();
    return this.channel.publish({ kind: 'segments', tenantId: this.tenant.tenantId, interactionId, sequences: [...sequences].sort((a, b) => a - b) });
  }

  activity(interactionId: string, activity: 'STARTED' | 'ENDED' | 'TRANSFERRED'): Promise<void> {
    return this.channel.publish({ kind: 'activity', tenantId: this.tenant.tenantId, interactionId, activity });
  }
}
