import { Channel } from '../../kit/channel';
import { pageRequest, type Page } from '../../kit/pagination';
import { redactToFit } from '../../kit/sensitive-numbers';
import type { TenantScope } from '../../kit/tenant-repository';
import { ConsentSource } from '../entities/consent-record.entity';
import { ContactOptOut, ProcessingRestriction } from '../entities/contact-opt-out.entity';
import { assertNotErased, type EndUserCheck } from '../../kit/end-user-guard';
import { assertNotRestricted, checkEndUserId } from './consent.service';

/** The suppression list and the restriction flag. */
export class SuppressionService {
  constructor(
    private readonly scope: TenantScope,
    /** Whether the end-user named may be written about or seen; identity decides. */
    private readonly endUsers: EndUserCheck,
  ) {}

  /** Entries of persons the caller may not see (restricted ones, to most) are left out. */
  async list(endUserId: string | null | undefined, first?: number | null, after?: string | null): Promise<Page<ContactOptOut>> {
    if (endUserId && !(await this.endUsers.visible(endUserId))) return { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
    const page = await this.scope.repo(ContactOptOut).page(endUserId ? { endUserId } : {}, pageRequest(first, after));
    const visible = await Promise.all(page.edges.map((edge) => this.endUsers.visible(edge.node.endUserId)));
    return { ...page, edges: page.edges.filter((_, index) => visible[index]) };
  }

  /**
   * Idempotent: a second opt-out of the same channel returns the first. Allowed even while
   * processing is restricted, since it only ever narrows what is done.
   */
  async optOut(endUserId: string, channel: Channel, source: ConsentSource, reason: string | null): Promise<ContactOptOut> {
    checkEndUserId(endUserId);
    await this.endUsers.writable([endUserId], { allowRestricted: true });
    return this.scope.transaction((scope) => insertOptOut(scope, endUserId, channel, source, reason));
  }

  /** An objection (identity's privacy request): every channel opted out at once, or none. */
  async optOutOfEveryChannel(endUserId: string, reason: string): Promise<void> {
    checkEndUserId(endUserId);
    await this.scope.transaction(async (scope) => {
      for (const channel of Object.values(Channel)) await insertOptOut(scope, endUserId, channel, ConsentSource.API, reason);
    });
  }

  /** Takes the channel off the suppression list; a withdrawn contact consent still applies. */
  async optIn(endUserId: string, channel: Channel): Promise<boolean> {
    checkEndUserId(endUserId);
    await this.endUsers.writable([endUserId]);
    await assertNotRestricted(this.scope, endUserId, this.endUsers.seesRestricted);
    return this.scope.transaction(async (scope) => {
      await assertNotErased(scope, [endUserId]);
      return (await scope.repo(ContactOptOut).delete({ endUserId, channel })) > 0;
    });
  }

  /** Identity's restriction request (or its lifting); refused for an end-user erased here. */
  async setRestriction(endUserId: string, restricted: boolean): Promise<boolean> {
    checkEndUserId(endUserId);
    return this.scope.transaction(async (scope) => {
      await assertNotErased(scope, [endUserId]);
      const restrictions = scope.repo(ProcessingRestriction);
      if (!restricted) {
        await restrictions.delete({ endUserId });
        return true;
      }
      if (!(await restrictions.findOne({ endUserId }))) {
        await restrictions.insertIgnoringDuplicates([restrictions.create({ endUserId, restrictedAt: new Date() })]);
      }
      return true;
    });
  }
}

/** Idempotent: a second opt-out of the same channel returns the first. */
async function insertOptOut(scope: TenantScope, endUserId: string, channel: Channel, source: ConsentSource, reason: string | null): Promise<ContactOptOut> {
  await assertNotErased(scope, [endUserId]);
  const optOuts = scope.repo(ContactOptOut);
  const existing = await optOuts.findOne({ endUserId, channel });
  if (existing) return existing;
  // Free text: an SSN or card number quoted in it is redacted.
  const redacted = reason ? redactToFit(reason, 200) : null;
  // Two opt-outs racing for one channel: the second keeps the first's row.
  await optOuts.insertIgnoringDuplicates([optOuts.create({ endUserId, channel, source, reason: redacted, optedOutAt: new Date() })]);
  const [stored] = await optOuts.findLocked({ endUserId, channel }, { shared: true });
  return stored;
}
