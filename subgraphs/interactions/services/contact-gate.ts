import type { SubgraphContext } from '../../kit/context';
import { unavailable } from '../../kit/service-client';
import type { Channel } from '../../kit/channel';

export type ContactRefusal = 'OPTED_OUT' | 'RESTRICTED';

export interface ContactDecision {
  allowed: boolean;
  reason: ContactRefusal | null;
}

/** Whether the tenant may contact an end-user on a channel; asked before any outbound interaction. */
export interface ContactGate {
  decide(endUserId: string, channel: Channel): Promise<ContactDecision>;
}

export const CONTACT_DECISION_QUERY =
  'query ContactDecision($endUserId: ID!, $channel: Channel!) { contactDecision(endUserId: $endUserId, channel: $channel) { allowed reason } }';

/**
 * Asks the consent subgraph over the interactions>consent service link, for the request's tenant.
 * No answer, or an answer it cannot read, is UNAVAILABLE: an outbound contact is never assumed allowed.
 */
export class ConsentContactGate implements ContactGate {
  constructor(private readonly ctx: SubgraphContext) {}

  async decide(endUserId: string, channel: Channel): Promise<ContactDecision> {
    const data = await this.ctx.callService<{ contactDecision?: Partial<ContactDecision> | null }>('consent', CONTACT_DECISION_QUERY, {
      endUserId,
      channel,
    });
    const decision = data.contactDecision;
    if (!decision || typeof decision.allowed !== 'boolean') {
      this.ctx.logger.warn({ requestId: this.ctx.requestId }, 'unreadable contact decision');
      throw unavailable('consent');
    }
    if (decision.allowed) return { allowed: true, reason: null };
    return { allowed: false, reason: decision.reason === 'OPTED_OUT' || decision.reason === 'RESTRICTED' ? decision.reason : null };
  }
}
