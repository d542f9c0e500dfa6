import { In } from 'typeorm';
import type { TenantScope } from '../../kit/tenant-repository';
import { recordErasure } from '../../kit/end-user-guard';
import { conflict } from '../../../platform/errors';
import { ConsentRecord } from '../entities/consent-record.entity';
import { ContactOptOut, ProcessingRestriction } from '../entities/contact-opt-out.entity';
import { CookieConsent, VisitorLink } from '../entities/cookie-consent.entity';

/** What this subgraph holds about one end-user, for identity's access and erasure requests. */
export class ConsentPrivacyService {
  constructor(
    private readonly scope: TenantScope,
    /** Once the erasure has committed: the deleted rows' old page images leave the disk too (SQLite's WAL). */
    private readonly compact: () => Promise<void>,
  ) {}

  async export(endUserId: string): Promise<string> {
    const links = await this.scope.repo(VisitorLink).find({ where: { endUserId } });
    const visitorIds = links.map((link) => link.visitorId);
    const [consents, optOuts, cookies, restriction] = await Promise.all([
      this.scope.repo(ConsentRecord).find({ where: { endUserId }, order: { id: 'ASC' } }),
      this.scope.repo(ContactOptOut).find({ where: { endUserId }, order: { id: 'ASC' } }),
      visitorIds.length ? this.scope.repo(CookieConsent).find({ where: { visitorId: In(visitorIds) }, order: { id: 'ASC' } }) : [],
      this.scope.repo(ProcessingRestriction).findOne({ endUserId }),
    ]);
    const proof = (row: { recordedAt: Date; addressHash: string | null; userAgent: string | null; page: string | null }) => ({
      recordedAt: row.recordedAt,
      addressHash: row.addressHash,
      userAgent: row.userAgent,
      page: row.page,
    });
    return JSON.stringify({
      endUserId,
      consents: consents.map((r) => ({ id: r.id, purpose: r.purpose, granted: r.granted, source: r.source, policyVersionId: r.policyVersionId, proof: proof(r) })),
      contactOptOuts: optOuts.map((o) => ({ channel: o.channel, source: o.source, reason: o.reason, optedOutAt: o.optedOutAt })),
      visitors: visitorIds,
      cookieConsents: cookies.map((c) => ({
        id: c.id,
        visitorId: c.visitorId,
        strictlyNecessary: true,
        functional: c.functional,
        analytics: c.analytics,
        advertising: c.advertising,
        policyVersionId: c.policyVersionId,
        proof: proof(c),
      })),
      processingRestricted: restriction ? { since: restriction.restrictedAt } : null,
    });
  }

  /**
   * Deletes every row about the person, linked visitors' cookie choices included, after the
   * tombstone that refuses every later write about them; idempotent.
   */
  async erase(endUserId: string): Promise<number> {
    const erased = await this.scope.transaction(async (scope) => {
      await recordErasure(scope, endUserId);
      const links = await scope.repo(VisitorLink).findLocked({ endUserId });
      const visitorIds = links.map((link) => link.visitorId);
      let removed = 0;
      if (visitorIds.length) removed += await scope.repo(CookieConsent).delete({ visitorId: In(visitorIds) });
      removed += await scope.repo(VisitorLink).delete({ endUserId });
      removed += await scope.repo(ConsentRecord).delete({ endUserId });
      removed += await scope.repo(ContactOptOut).delete({ endUserId });
      removed += await scope.repo(ProcessingRestriction).delete({ endUserId });
      const left = await Promise.all([
        scope.repo(VisitorLink).findLocked({ endUserId }),
        scope.repo(ConsentRecord).findLocked({ endUserId }),
        scope.repo(ContactOptOut).findLocked({ endUserId }),
      ]);
      if (left.some((rows) => rows.length > 0)) throw conflict('Rows about the end-user remain; retry the erasure');
      return removed;
    });
    await this.compact();
    return erased;
  }
}
