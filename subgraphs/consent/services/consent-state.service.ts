import { In } from 'typeorm';
import { Channel } from '../../kit/channel';
import type { RequestContext } from '../../kit/context';
import { RecipientRole } from '../../kit/recipient-role';
import { ConsentPurpose, ConsentRecord } from '../entities/consent-record.entity';
import { ContactOptOut, ProcessingRestriction } from '../entities/contact-opt-out.entity';
import {
  ContactRefusal,
  SharingRefusal,
  type ContactDecision,
  type ContactPreference,
  type PurposeConsent,
  type SharingDecision,
} from '../entities/consent-state';
import type { PolicyService } from './policy.service';

export const CONTACT_PURPOSE: Record<Channel, ConsentPurpose> = {
  [Channel.VOICE]: ConsentPurpose.CONTACT_VOICE,
  [Channel.CHAT]: ConsentPurpose.CONTACT_CHAT,
  [Channel.EMAIL]: ConsentPurpose.CONTACT_EMAIL,
  [Channel.SMS]: ConsentPurpose.CONTACT_SMS,
  [Channel.SOCIAL]: ConsentPurpose.CONTACT_SOCIAL,
};

const chronological = (a: ConsentRecord, b: ConsentRecord) =>
  a.recordedAt.getTime() - b.recordedAt.getTime() || a.id.localeCompare(b.id);

/**
 * Current consent, contact and sharing state, derived from the append-only records, the
 * suppression list and the restriction flag. Loads are batched per request across end-users.
 */
export class ConsentStateService {
  constructor(
    private readonly request: Pick<RequestContext, 'scope' | 'loader'>,
    private readonly policies: PolicyService,
  ) {}

  async consentState(endUserId: string): Promise<PurposeConsent[]> {
    const [latest, baseline] = await Promise.all([this.latest(endUserId), this.baseline()]);
    return [...latest.values()].map((record) => ({
      purpose: record.purpose,
      granted: record.granted,
      needsRenewal: record.granted && this.outdated(record, baseline),
      policyVersionId: record.policyVersionId,
      source: record.source,
      recordedAt: record.recordedAt,
    }));
  }

  async contactDecision(endUserId: string, channel: Channel): Promise<ContactDecision> {
    if (await this.restricted(endUserId)) return { allowed: false, reason: ContactRefusal.RESTRICTED };
    const [optOuts, latest] = await Promise.all([this.optOuts(endUserId), this.latest(endUserId)]);
    const withdrawn = latest.get(CONTACT_PURPOSE[channel])?.granted === false;
    if (withdrawn || optOuts.some((optOut) => optOut.channel === channel)) return { allowed: false, reason: ContactRefusal.OPTED_OUT };
    return { allowed: true, reason: null };
  }

  contactPreferences(endUserId: string): Promise<ContactPreference[]> {
    return Promise.all(
      Object.values(Channel).map(async (channel) => ({ channel, ...(await this.contactDecision(endUserId, channel)) })),
    );
  }

  /** Service providers act for the tenant; a third party needs a current opt-in. */
  async sharingDecision(endUserId: string, recipient: RecipientRole): Promise<SharingDecision> {
    if (await this.restricted(endUserId)) return { allowed: false, reason: SharingRefusal.RESTRICTED };
    if (recipient === RecipientRole.SERVICE_PROVIDER) return { allowed: true, reason: null };
    const grant = (await this.latest(endUserId)).get(ConsentPurpose.THIRD_PARTY_SHARING);
    if (!grant?.granted) return { allowed: false, reason: SharingRefusal.NO_OPT_IN };
    if (this.outdated(grant, await this.baseline())) return { allowed: false, reason: SharingRefusal.RENEWAL_NEEDED };
    return { allowed: true, reason: null };
  }

  async restricted(endUserId: string): Promise<boolean> {
    const loader = this.request.loader<string, boolean>('consent.restricted', async (ids) => {
      const rows = await this.request.scope.repo(ProcessingRestriction).find({ where: { endUserId: In([...ids]) } });
      const restricted = new Set(rows.map((row) => row.endUserId));
      return ids.map((id) => restricted.has(id));
    });
    return loader.load(endUserId);
  }

  private outdated(record: ConsentRecord, { materialSince, effectiveAtOf }: Awaited<ReturnType<PolicyService['renewalBaseline']>>): boolean {
    if (!materialSince) return false;
    const givenUnder = effectiveAtOf.get(record.policyVersionId);
    return !givenUnder || givenUnder < materialSince;
  }

  /** The latest record per purpose: a later withdrawal beats an earlier grant, and the reverse. */
  private latest(endUserId: string): Promise<Map<ConsentPurpose, ConsentRecord>> {
    const loader = this.request.loader<string, Map<ConsentPurpose, ConsentRecord>>('consent.latest', async (ids) => {
      const rows = await this.request.scope.repo(ConsentRecord).find({ where: { endUserId: In([...ids]) } });
      const byUser = new Map(ids.map((id) => [id, new Map<ConsentPurpose, ConsentRecord>()]));
      for (const row of rows.sort(chronological)) byUser.get(row.endUserId)?.set(row.purpose, row);
      return ids.map((id) => byUser.get(id)!);
    });
    return loader.load(endUserId);
  }

  private optOuts(endUserId: string): Promise<ContactOptOut[]> {
    const loader = this.request.loader<string, ContactOptOut[]>('consent.optOuts', async (ids) => {
      const rows = await this.request.scope.repo(ContactOptOut).find({ where: { endUserId: In([...ids]) } });
      return ids.map((id) => rows.filter((row) => row.endUserId === id));
    });
    return loader.load(endUserId);
  }

  private baseline() {
    return this.request.loader<'baseline', Awaited<ReturnType<PolicyService['renewalBaseline']>>>('consent.baseline', async (keys) => {
      const baseline = await this.policies.renewalBaseline();
      return keys.map(() => baseline);
    }).load('baseline');
  }
}
