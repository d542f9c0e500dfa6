import { Arg, Ctx, Directive, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { InteractionsContext } from '../services';

/** Service-to-service only (identity handles privacy requests): never part of the public graph. */
@Resolver()
export class PrivacyTargetResolver {
  @Directive('@inaccessible')
  @Query(() => String, { description: 'JSON of everything held about the end-user: interactions and transcripts.' })
  privacyExportInteractions(@Arg('endUserId', () => ID) endUserId: string, @Ctx() { services }: InteractionsContext): Promise<string> {
    return services.privacy.export(endUserId);
  }

  @Directive('@inaccessible')
  @Mutation(() => Int, { description: 'Deletes every row about the end-user; returns rows removed (0 when none).' })
  privacyEraseInteractions(@Arg('endUserId', () => ID) endUserId: string, @Ctx() { services }: InteractionsContext): Promise<number> {
    return services.privacy.erase(endUserId);
  }
}
