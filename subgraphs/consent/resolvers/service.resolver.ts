import { Arg, Ctx, Directive, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { Channel } from '../../kit/channel';
import type { ConsentContext } from '../services';
import { RecipientRole } from '../../kit/recipient-role';
import { ContactDecision, SharingDecision } from '../entities/consent-state';

/**
 * Fields other subgraphs call over their service links, for the caller's tenant. `@inaccessible`
 * keeps them out of the public API; shield names the one caller each accepts.
 */
@Resolver()
export class ServiceResolver {
  @Directive('@inaccessible')
  @Query(() => ContactDecision, { description: 'interactions: may this end-user be contacted on this channel?' })
  contactDecision(
    @Arg('endUserId', () => ID) endUserId: string,
    @Arg('channel', () => Channel) channel: Channel,
    @Ctx() { services }: ConsentContext,
  ): Promise<ContactDecision> {
    return services.state.contactDecision(endUserId, channel);
  }

  @Directive('@inaccessible')
  @Query(() => SharingDecision, { description: 'crm: may this end-user’s data go to this recipient?' })
  sharingDecision(
    @Arg('endUserId', () => ID) endUserId: string,
    @Arg('recipient', () => RecipientRole) recipient: RecipientRole,
    @Ctx() { services }: ConsentContext,
  ): Promise<SharingDecision> {
    return services.state.sharingDecision(endUserId, recipient);
  }

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
