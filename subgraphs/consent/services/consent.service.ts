import { badInput, conflict, forbidden, notFound } from '../../../platform/errors';
import { assertNotErased, type EndUserCheck } from '../../kit/end-user-guard';
import { pageRequest, type Page } from '../../kit/pagination';
import type { TenantScope } from '../../kit/tenant-repository';
import { ConsentRecord } from '../entities/consent-record.entity';
import { ProcessingRestriction } from '../entities/contact-opt-out.entity';
import { PolicyVersion } from '../entities/policy-version.entity';
import type { RecordConsentInput } from '../inputs/record-consent.input';
import type { PolicyService } from './policy.service';
import type { Prove } from './proof';

/**
 * Refuses any write about an end-user whose processing is restricted; to a caller who may not see
 * restricted persons the refusal is the NOT_FOUND a missing one gets.
 */
export async function assertNotRestricted(scope: TenantScope, endUserId: string, seesRestricted = false): Promise<void> {
  checkEndUserId(endUserId);
  if (await scope.repo(ProcessingRestriction).findOne({ endUserId })) {
    if (!seesRestricted) throw notFound('End-user');
    throw forbidden('Processing of this end-user’s data is restricted: nothing may be recorded about them');
  }
}

export function checkEndUserId(endUserId: string): void {
  if (!endUserId || endUserId.length > 36) throw badInput('endUserId', 'is not a valid id');
}

export class ConsentService {
  constructor(
    private readonly scope: TenantScope,
    /** Whether the end-user named may be written about; identity decides. */
    private readonly endUsers: EndUserCheck,
    private readonly policies: PolicyService,
    private readonly prove: Prove,
  ) {}

  policyVersions(first?: number | null, after?: string | null): Promise<Page<PolicyVersion>> {
    return this.scope.repo(PolicyVersion).page({}, pageRequest(first, after));
  }

  /** Appends a grant or withdrawal under the policy in force; records are never changed afterwards. */
  async record(input: RecordConsentInput): Promise<ConsentRecord> {
    const proof = await this.prove(input.proof);
    checkEndUserId(input.endUserId);
    await this.endUsers.writable([input.endUserId]);
    await assertNotRestricted(this.scope, input.endUserId, this.endUsers.seesRestricted);
    const policy = await this.policies.current();
    if (!policy) throw conflict('No privacy notice is in force yet: publish a policy version first');
    const { endUserId, purpose, granted, source } = input;
    return this.scope.transaction(async (scope) => {
      await assertNotErased(scope, [endUserId]);
      const records = scope.repo(ConsentRecord);
      return records.save(records.create({ endUserId, purpose, granted, source, ...proof, policyVersionId: policy.id, recordedAt: new Date() }));
    });
  }
}
