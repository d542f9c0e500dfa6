import { In } from 'typeorm';
import { badInput, notFound } from '../../shared/errors';
import type { TenantScope } from '../../shared/tenant-repository';
import { CookieConsent, VisitorLink } from '../entities/cookie-consent.entity';
import { VISITOR_ID, VISITOR_ID_MESSAGE, type RecordCookieConsentInput } from '../inputs/widget.input';
import { assertNotRestricted } from './consent.service';
import { PolicyService } from './policy.service';
import { proofText, type Proof } from './proof';

/** Cookie consent from the chat widget, and linking its visitors to end-users. */
export class WidgetService {
  constructor(private readonly scope: TenantScope) {}

  /** Writes one row and reads nothing back: the widget learns only that it was recorded. */
  async recordCookieConsent(input: RecordCookieConsentInput, proof: Proof): Promise<boolean> {
    const link = await this.scope.repo(VisitorLink).findOne({ visitorId: input.visitorId });
    if (link) await assertNotRestricted(this.scope, link.endUserId);
    const policy = await new PolicyService(this.scope).current();
    const consents = this.scope.repo(CookieConsent);
    const { functional, analytics, advertising } = input.choices;
    await consents.save(
      consents.create({
        visitorId: input.visitorId,
        functional,
        analytics,
        advertising,
        policyVersionId: policy?.id ?? null,
        recordedAt: new Date(),
        ...proof,
        userAgent: proofText(input.userAgent, 400),
        page: proofText(input.page, 500),
      }),
    );
    return true;
  }

  /** The visitor must have made a cookie choice in this tenant; another tenant's visitor is not found. */
  async linkVisitor(visitorId: string, endUserId: string): Promise<boolean> {
    if (!VISITOR_ID.test(visitorId)) throw badInput('visitorId', VISITOR_ID_MESSAGE);
    await assertNotRestricted(this.scope, endUserId);
    if ((await this.scope.repo(CookieConsent).count({ visitorId })) === 0) throw notFound('Visitor');
    const links = this.scope.repo(VisitorLink);
    const existing = await links.findOne({ visitorId });
    if (existing) {
      existing.endUserId = endUserId;
      await links.save(existing);
    } else {
      await links.save(links.create({ visitorId, endUserId }));
    }
    return true;
  }

  /** For each end-user, the latest cookie choice of any visitor linked to them (null when none). */
  async latestForEndUsers(endUserIds: readonly string[]): Promise<(CookieConsent | null)[]> {
    const links = await this.scope.repo(VisitorLink).find({ where: { endUserId: In([...endUserIds]) } });
    const owner = new Map(links.map((link) => [link.visitorId, link.endUserId]));
    const latest = new Map<string, CookieConsent>();
    if (owner.size > 0) {
      const rows = await this.scope.repo(CookieConsent).find({ where: { visitorId: In([...owner.keys()]) }, order: { id: 'ASC' } });
      for (const row of rows) latest.set(owner.get(row.visitorId)!, row);
    }
    return endUserIds.map((id) => latest.get(id) ?? null);
  }
}
