import { LessThanOrEqual } from 'typeorm';
import { conflict } from '../../shared/errors';
import { pageRequest, type Page } from '../../shared/pagination';
import type { TenantScope } from '../../shared/tenant-repository';
import { ConsentRecord } from '../entities/consent-record.entity';
import { PolicyVersion } from '../entities/policy-version.entity';
import type { RecordConsentInput } from '../inputs/record-consent.input';

export class ConsentService {
  constructor(private readonly scope: TenantScope) {}


  policyVersions(first?: number | null, after?: string | null): Promise<Page<PolicyVersion>> {
    return this.scope.repo(PolicyVersion).page({}, pageRequest(first, after));
  }

  /** The version in force now: the latest whose effective date has passed. */
  async currentPolicy(now = new Date()): Promise<PolicyVersion | null> {
    const [current] = await this.scope.repo(PolicyVersion).find({
      where: { effectiveAt: LessThanOrEqual(now) },
      order: { effectiveAt: 'DESC', id: 'DESC' },
      take: 1,
    });
    return current ?? null;
  }

  async record(input: RecordConsentInput): Promise<ConsentRecord> {
    const policy = await this.currentPolicy();
    if (!policy) throw conflict('No privacy notice is in force yet: publish a policy version first');
    const records = this.scope.repo(ConsentRecord);
    return records.save(records.create({ ...input, policyVersionId: policy.id, recordedAt: new Date() }));
  }
}
