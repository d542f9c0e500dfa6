import { Arg, Ctx, Directive, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { CrmRectificationInput } from '../inputs/crm.input';
import type { CrmContext } from '../services';

/**
 * What privacy requests need from the CRMs, for the identity subgraph alone (service link,
 * `@inaccessible`: the gateway never exposes them). Each fails UNAVAILABLE for a retry when a CRM does.
 */
@Resolver()
export class PrivacyTargetResolver {
  @Directive('@inaccessible')
  @Query(() => String, { description: 'JSON: the end-user’s links and each linked record as the CRM holds it.' })
  privacyExportCrm(@Arg('endUserId', () => ID) endUserId: string, @Ctx() { services }: CrmContext): Promise<string> {
    return services.sync.exportFor(endUserId);
  }

  @Directive('@inaccessible')
  @Mutation(() => Int, { description: 'Deletes the linked records in every CRM, then the links; returns records and rows removed. Idempotent.' })
  privacyEraseCrm(@Arg('endUserId', () => ID) endUserId: string, @Ctx() { services }: CrmContext): Promise<number> {
    return services.sync.erase(endUserId);
  }

  @Directive('@inaccessible')
  @Mutation(() => Int, { description: 'Sends corrected values to every linked record; returns how many were updated.' })
  privacyRectifyCrm(
    @Arg('endUserId', () => ID) endUserId: string,
    @Arg('input', () => CrmRectificationInput) input: CrmRectificationInput,
    @Ctx() { services }: CrmContext,
  ): Promise<number> {
    return services.sync.rectify(endUserId, input);
  }
}
