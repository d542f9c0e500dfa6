import { Arg, Ctx, Directive, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { ConsentContext } from '../services';

/**
 * What identity's privacy requests ask of consent, over its service link alone (`@inaccessible`:
 * the gateway never exposes them): restriction, objection, export and erasure.
 */
@Resolver()
export class PrivacyTargetResolver {
  @Directive('@inaccessible')
  @Mutation(() => Boolean, { description: 'identity: restricts (or lifts the restriction on) processing of an end-user’s data.' })
  setProcessingRestriction(
    @Arg('endUserId', () => ID) endUserId: string,
    @Arg('restricted') restricted: boolean,
    @Ctx() { services }: ConsentContext,
  ): Promise<boolean> {
    return services.suppression.setRestriction(endUserId, restricted);
  }

  @Directive('@inaccessible')
  @Mutation(() => Boolean, { description: 'identity: the end-user objects to being contacted: every channel is opted out.' })
  async recordObjection(@Arg('endUserId', () => ID) endUserId: string, @Ctx() { services }: ConsentContext): Promise<boolean> {
    await services.suppression.optOutOfEveryChannel(endUserId, 'objection (privacy request)');
    return true;
  }

  @Directive('@inaccessible')
  @Query(() => String, { description: 'identity: everything held about an end-user, as a JSON document.' })
  privacyExportConsent(@Arg('endUserId', () => ID) endUserId: string, @Ctx() { services }: ConsentContext): Promise<string> {
    return services.privacy.export(endUserId);
  }

  @Directive('@inaccessible')
  @Mutation(() => Int, { description: 'identity: deletes every row about an end-user; returns how many.' })
  privacyEraseConsent(@Arg('endUserId', () => ID) endUserId: string, @Ctx() { services }: ConsentContext): Promise<number> {
    return services.privacy.erase(endUserId);
  }
}
