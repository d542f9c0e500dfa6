import { Arg, Args, Ctx, ID, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { Channel } from '../../kit/channel';
import type { ConsentContext } from '../services';
import { badInput } from '../../../platform/errors';
import { connectionType, PageArgs } from '../../kit/pagination';
import { ConsentSource } from '../entities/consent-record.entity';
import { ContactOptOut } from '../entities/contact-opt-out.entity';

@ObjectType()
export class ContactOptOutConnection extends connectionType(ContactOptOut) {}

const checkReason = (reason: string | null | undefined) => {
  if (reason && reason.length > 200) throw badInput('reason', 'must be at most 200 characters');
  return reason ?? null;
};

@Resolver()
export class OptOutResolver {
  @Query(() => ContactOptOutConnection, { description: 'The suppression list, oldest first; optionally for one end-user.' })
  contactOptOuts(
    @Args() { first, after }: PageArgs,
    @Arg('endUserId', () => ID, { nullable: true }) endUserId: string | undefined,
    @Ctx() { services }: ConsentContext,
  ) {
    return services.suppression.list(endUserId, first, after);
  }

  @Mutation(() => ContactOptOut, { description: 'Stops contact on a channel; idempotent.' })
  optOutOfContact(
    @Arg('endUserId', () => ID) endUserId: string,
    @Arg('channel', () => Channel) channel: Channel,
    @Arg('source', () => ConsentSource) source: ConsentSource,
    @Arg('reason', () => String, { nullable: true }) reason: string | undefined,
    @Ctx() { services }: ConsentContext,
  ): Promise<ContactOptOut> {
    return services.suppression.optOut(endUserId, channel, source, checkReason(reason));
  }

  @Mutation(() => Boolean, { description: 'Takes a channel off the suppression list; false when it was not on it.' })
  optBackIntoContact(
    @Arg('endUserId', () => ID) endUserId: string,
    @Arg('channel', () => Channel) channel: Channel,
    @Ctx() { services }: ConsentContext,
  ): Promise<boolean> {
    return services.suppression.optIn(endUserId, channel);
  }
}
