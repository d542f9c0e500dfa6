import { In } from 'typeorm';
import { badInput, notFound } from '../../../platform/errors';
import type { RequestContext } from '../../kit/context';
import type { TenantScope } from '../../kit/tenant-repository';
import { CookieConsent, VisitorLink } from '../entities/cookie-consent.entity';
import { VISITOR_ID, VISITOR_ID_MESSAGE, type RecordCookieConsentInput } from '../inputs/widget.input';
import { assertNotErased, type EndUserCheck } from '../../kit/end-user-guard';
import { DomainError } from '../../../platform/errors';
import { assertNotRestricted, checkEndUserId } from './consent.service';
import type { PolicyService } from './policy.service';
import { proofText, type Proof, type Prove } from './proof';

/** Cookie consent from the chat widget, and linking its visitors to end-users. */
export class WidgetService {
  constructor(
    private readonly scope: TenantScope,
    /** Whether the end-user named may be written about; identity decides. */
    private readonly endUsers: EndUserCheck,
    private readonly policies: PolicyService,
    private readonly prove: Prove,
    /** The request's loaders: cookie choices of a page of end-users are read together. */
    private readonly request: Pick<RequestContext, 'loader'>,
  ) {}

  /**
   * Writes one row and reads nothing back: the widget learns only that it was recorded. The answer
   * is `true` whatever the visitor: for one linked to a person whose processing is restricted (or
   * who is being erased) nothing is stored, and the widget cannot tell.
   */
  async recordCookieConsent(input: RecordCookieConsentInput): Promise<boolean> {
    const proof = await this.prove(null);
    const link = await this.scope.repo(VisitorLink).findOne({ visitorId: input.visitorId });
    if (link && !(await this.mayRecordFor(link.endUserId))) return true;
    const policy = await this.policies.current();
    const { functional, analytics, advertising } = input.choices;
    return this.scope.transaction(async (scope) => {
      if (link && !(await notErased(scope, link.endUserId))) return true;
      await this.insertCookieConsent(scope, input, proof, { functional, analytics, advertising }, policy?.id ?? null);
      return true;
    });
  }

  private async mayRecordFor(endUserId: string): Promise<boolean> {
    try {
      await assertNotRestricted(this.scope, endUserId);
      await this.endUsers.writable([endUserId]);
      return true;
    } catch (error) {
      if (error instanceof DomainError && (error.code === 'NOT_FOUND' || error.code === 'FORBIDDEN')) return false;
      throw error;
    }
  }

  private async insertCookieConsent(
    scope: TenantScope,
    input: RecordCookieConsentInput,
    proof: Proof,
    { functional, analytics, advertising }: { functional: boolean; analytics: boolean; advertising: boolean },
    policyVersionId: string | null,
  ): Promise<void> {
    const consents = scope.repo(CookieConsent);
    await consents.save(
      consents.create({
        visitorId: input.visitorId,
        functional,
        analytics,
        advertising,
        policyVersionId,
        recordedAt: new Date(),
        ...proof,
        userAgent: proofText(input.userAgent, 400),
        page: proofText(input.page, 500),
      }),
    );
  }

  /** The visitor must have made a cookie choice in this tenant; another tenant's visitor is not found. */
  async linkVisitor(visitorId: string, endUserId: string): Promise<boolean> {
    if (!VISITOR_ID.test(visitorId)) throw badInput('visitorId', VISITOR_ID_MESSAGE);
    checkEndUserId(endUserId);
    await this.endUsers.writable([endUserId]);
    await assertNotRestricted(this.scope, endUserId, this.endUsers.seesRestricted);
    if ((await this.scope.repo(CookieConsent).count({ visitorId })) === 0) throw notFound('Visitor');
    return this.scope.transaction(async (scope) => {
      await assertNotErased(scope, [endUserId]);
      const links = scope.repo(VisitorLink);
      const [existing] = await links.findLocked({ visitorId });
      // The visitor's previous person, if erased here meanwhile, took the link with them.
      if (existing && (await links.update({ id: existing.id }, { endUserId })) > 0) return true;
      await links.insertIgnoringDuplicates([links.create({ visitorId, endUserId })]);
      return true;
    });
  }

  /** The latest cookie choice of any visitor linked to the end-user (null when none), batched per request. */
  latestForEndUser(endUserId: string): Promise<CookieConsent | null> {
    return this.request.loader<string, CookieConsent | null>('consent.cookieByEndUser', (ids) => this.latestForEndUsers(ids)).load(endUserId);
  }

  /** For each end-user, the latest cookie choice of any visitor linked to them (null when none). */
  private async latestForEndUsers(endUserIds: readonly string[]): Promise<(CookieConsent | null)[]> {
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

async function notErased(scope: TenantScope, endUserId: string): Promise<boolean> {
  try {
    await assertNotErased(scope, [endUserId]);
    return true;
  } catch (error) {
    if (error instanceof DomainError && error.code === 'NOT_FOUND') return false;
    throw error;
  }
}
