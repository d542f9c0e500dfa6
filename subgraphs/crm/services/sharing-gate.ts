import type { RequestContext } from '../../kit/context';
import { DomainError, notFound } from '../../../platform/errors';
import type { RecipientRole } from '../../kit/recipient-role';
import { SHARING_DECISION, type SharingDecision, type SharingRefusal } from '../../../platform/contracts/operations/consent';

/** Whether an end-user's data may go to a recipient of this role; asked before every push or lookup. */
export interface SharingGate {
  decide(endUserId: string, recipient: RecipientRole): Promise<SharingDecision>;
}

/** The consent subgraph's gate; unreachable means UNAVAILABLE (fail closed, nothing shared). */
export class ConsentSharingGate implements SharingGate {
  constructor(private readonly request: RequestContext) {}

  async decide(endUserId: string, recipient: RecipientRole): Promise<SharingDecision> {
    const data = await this.request.callService(SHARING_DECISION, { endUserId, recipient });
    return data.sharingDecision;
  }
}

const REFUSALS: Record<SharingRefusal, string> = {
  NO_OPT_IN: 'The end-user has not opted in to sharing with this third party',
  RENEWAL_NEEDED: 'The end-user’s consent to sharing must be renewed first',
  RESTRICTED: 'Processing of this end-user’s data is restricted',
};

/**
 * Throws FORBIDDEN unless the gate allows sharing. A restriction is told only to callers who may
 * see restricted persons (`seesRestricted`); to anyone else the person is not there.
 */
export async function assertSharingAllowed(gate: SharingGate, endUserId: string, recipient: RecipientRole, seesRestricted = true): Promise<void> {
  const decision = await gate.decide(endUserId, recipient);
  if (decision.allowed) return;
  if (decision.reason === 'RESTRICTED' && !seesRestricted) throw notFound('End-user');
  const reason = decision.reason && decision.reason in REFUSALS ? decision.reason : 'NO_OPT_IN';
  throw new DomainError('FORBIDDEN', `${REFUSALS[reason]} (${reason}); nothing was sent`);
}
