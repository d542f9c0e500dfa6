import { badInput, conflict, forbidden } from '../../shared/errors';
import { pageRequest, type Page } from '../../shared/pagination';
import type { TenantScope } from '../../shared/tenant-repository';
import { ConsentRecord } from '../entities/consent-record.entity';
import { ProcessingRestriction } from '../entities/contact-opt-out.entity';
import { PolicyVersion } from '../entities/policy-version.entity';
import type { RecordConsentInput } from '../inputs/record-consent.input';
import { PolicyService } from './policy.service';
import type { Proof } from './proof';

/** Refuses any write about an end-user whose processing is restricted. */
export async function assertNotRestricted(scope: TenantScope, endUserId: string): Promise<void> {
  checkEndUserId(endUserId);
  if (await scope.repo(ProcessingRestriction).findOne({ endUserId })) {
    throw forbidden('Processing of this end-user’s data is restricted: nothing may be recorded about them');
  }
}

export function checkEndUserId(endUserId: string): void {
  if (!endUserId || endUserId.length > 36) throw badInput('endUserId', 'is not a valid id');
}

export class ConsentService {
  constructor(private readonly scope: TenantScope) {}


  policyVersions(first?: number | null, after?: string | null): Promise<Page<PolicyVersion>> {
    return this.scope.repo(PolicyVersion).page({}, pageRequest(first, after));
  }

  /** Appends a grant or withdrawal under the policy in force; records are never changed afterwards. */
  async record(input: RecordConsentInput, proof: Proof): Promise<ConsentRecord> {
    await assertNotRestricted(this.scope, input.endUserId);
    const policy = await new PolicyService(this.scope).current();
    if (!policy) throw conflict('No privacy notice is in force yet: publish a policy version first');
    const records = this.scope.repo(ConsentRecord);
    const { endUserId, purpose, granted, source } = input;
    return records.save(records.create({ endUserId, purpose, granted, source, ...proof, policyVersionId: policy.id, recordedAt: new Date() }));
  }
}
