import { Arg, Ctx, Directive, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { SubgraphContext } from '../../kit/context';
import { CrmRectificationInput } from '../inputs/crm.input';
import { CrmSyncService } from '../services/crm-sync.service';
import { compactAfterErasure } from '../../kit/data-source';

/**
 * What privacy requests need from the CRMs, for the identity subgraph alone (service link,
 * `@inaccessible`: the gateway never exposes them). Each fails UNAVAILABLE for a retry when a CRM does.
 */
@Resolver()
export class CrmPrivacyResolver {
  @Directive('@inaccessible')
  @Query(() => String, { description: 'JSON: the end-user’s links and each linked record as the CRM holds it.' })
  privacyExportCrm(@Arg('endUserId', () => ID) endUserId: string, @Ctx() ctx: SubgraphContext): Promise<string> {
    return new CrmSyncService(ctx).exportFor(endUserId);
  }

  @Directive('@inaccessible')
  @Mutation(() => Int, { description: 'Deletes the linked records in every CRM, then the links; returns records and rows removed. Idempotent.' })
  async privacyEraseCrm(@Arg('endUserId', () => ID) endUserId: string, @Ctx() ctx: SubgraphContext): Promise<number> {
    const removed = await new CrmSyncService(ctx).erase(endUserId);
    await compactAfterErasure(ctx.dataSource);
    return removed;
  }

  @Directive('@inaccessible')
  @Mutation(() => Int, { description: 'Sends corrected values to every linked record; returns how many were updated.' })
  privacyRectifyCrm(
    @Arg('endUserId', () => ID) endUserId: string,
    @Arg('input', () => CrmRectificationInput) input: CrmRectificationInput,
    @Ctx() ctx: SubgraphContext,
  ): Promise<number> {
    return new CrmSyncService(ctx).rectify(endUserId, input);
  }
}
