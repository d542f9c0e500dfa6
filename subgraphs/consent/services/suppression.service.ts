import { Channel } from '../../shared/channel';
import { pageRequest, type Page } from '../../shared/pagination';
import { redactToFit } from '../../shared/sensitive-numbers';
import type { TenantScope } from '../../shared/tenant-repository';
import { ConsentSource } from '../entities/consent-record.entity';
import { ContactOptOut, ProcessingRestriction } from '../entities/contact-opt-out.entity';
import { assertNotRestricted, checkEndUserId } from './consent.service';

/** The suppression list and the restriction flag. */
export class SuppressionService {
  constructor(private readonly scope: TenantScope) {}

  list(endUserId: string | null | undefined, first?: number | null, after?: string | null): Promise<Page<ContactOptOut>> {
    return this.scope.repo(ContactOptOut).page(endUserId ? { endUserId } : {}, pageRequest(first, after));
  }

  /**
   * Idempotent: a second opt-out of the same channel returns the first. Allowed even while
   * processing is restricted, since it only ever narrows what is done.
   */
  async optOut(endUserId: string, channel: Channel, source: ConsentSource, reason: string | null): Promise<ContactOptOut> {
    checkEndUserId(endUserId);
    const optOuts = this.scope.repo(ContactOptOut);
    const existing = await optOuts.findOne({ endUserId, channel });
    if (existing) return existing;
    // Free text: an SSN or card number quoted in it is redacted.
    return optOuts.save(optOuts.create({ endUserId, channel, source, reason: reason ? redactToFit(reason, 200) : null, optedOutAt: new Date() }));
  }

  /** An objection: every channel opted out at once, or none. */
  async optOutOfEveryChannel(endUserId: string, reason: string): Promise<void> {
    checkEndUserId(endUserId);
    await this.scope.transaction(async (scope) => {
      const service = new SuppressionService(scope);
      for (const channel of Object.values(Channel)) await service.optOut(endUserId, channel, ConsentSource.API, reason);
    });
  }

  /** Takes the channel off the suppression list; a withdrawn contact consent still applies. */
  async optIn(endUserId: string, channel: Channel): Promise<boolean> {
    await assertNotRestricted(this.scope, endUserId);
    return (await this.scope.repo(ContactOptOut).delete({ endUserId, channel })) > 0;
  }

  async setRestriction(endUserId: string, restricted: boolean): Promise<boolean> {
    checkEndUserId(endUserId);
    const restrictions = this.scope.repo(ProcessingRestriction);
    if (!restricted) {
      await restrictions.delete({ endUserId });
      return true;
    }
    if (!(await restrictions.findOne({ endUserId }))) {
      await restrictions.save(restrictions.create({ endUserId, restrictedAt: new Date() }));
    }
    return true;
  }
}
