import type { RequestContext } from '../../kit/context';
import { unavailable } from '../../kit/service-client';
import type { Channel } from '../../kit/channel';
import { CONTACT_DECISION, type ContactDecision } from '../../../platform/contracts/operations/consent';

/** Whether the tenant may contact an end-user on a channel; asked before any outbound interaction. */
export interface ContactGate {
  decide(endUserId: string, channel: Channel): Promise<ContactDecision>;
}

/**
 * Asks the consent subgraph over the interactions>consent service link, for the request's tenant.
 * No answer, or an answer it cannot read, is UNAVAILABLE: an outbound contact is never assumed allowed.
 */
export class ConsentContactGate implements ContactGate {
  constructor(private readonly ctx: RequestContext) {}

  async decide(endUserId: string, channel: Channel): Promise<ContactDecision> {
    const data = await this.ctx.callService(CONTACT_DECISION, { endUserId, channel });
    // Read defensively all the same: a reply that does not hold a decision allows nothing.
    const decision = data.contactDecision as Partial<ContactDecision> | null | undefined;
    if (!decision || typeof decision.allowed !== 'boolean') {
      this.ctx.logger.warn({ requestId: this.ctx.requestId }, 'unreadable contact decision');
      throw unavailable('consent');
    }
    if (decision.allowed) return { allowed: true, reason: null };
    return { allowed: false, reason: decision.reason === 'OPTED_OUT' || decision.reason === 'RESTRICTED' ? decision.reason : null };
  }
}
