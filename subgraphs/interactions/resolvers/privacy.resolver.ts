import { Arg, Ctx, Directive, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { SubgraphContext } from '../../kit/context';
import { InteractionPrivacyService } from '../services/privacy.service';
import { compactAfterErasure } from '../../kit/data-source';

/** Service-to-service only (identity handles privacy requests): never part of the public graph. */
@Resolver()
export class InteractionPrivacyResolver {
  @Directive('@inaccessible')
  @Query(() => String, { description: 'JSON of everything held about the end-user: interactions and transcripts.' })
  privacyExportInteractions(@Arg('endUserId', () => ID) endUserId: string, @Ctx() ctx: SubgraphContext): Promise<string> {
    return new InteractionPrivacyService(ctx.scope, ctx.subjectKeys).export(endUserId);
  }

  @Directive('@inaccessible')
  @Mutation(() => Int, { description: 'Deletes every row about the end-user; returns rows removed (0 when none).' })
  async privacyEraseInteractions(@Arg('endUserId', () => ID) endUserId: string, @Ctx() ctx: SubgraphContext): Promise<number> {
    const removed = await new InteractionPrivacyService(ctx.scope, ctx.subjectKeys).erase(endUserId);
    await compactAfterErasure(ctx.dataSource);
    return removed;
  }
}
