import { Arg, Ctx, Directive, ID, Query, Resolver } from 'type-graphql';
import { Channel } from '../../kit/channel';
import type { ConsentContext } from '../services';
import { RecipientRole } from '../../kit/recipient-role';
import { ContactDecision, SharingDecision } from '../entities/consent-state';

/**
 * Decisions other subgraphs ask for over their service links, for the caller's tenant (what a
 * privacy request asks of consent is in privacy-target.resolver.ts). `@inaccessible` keeps them
 * out of the public API; shield names the one caller each accepts.
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
}
