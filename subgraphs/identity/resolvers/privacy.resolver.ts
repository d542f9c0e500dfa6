import { Arg, Args, Ctx, FieldResolver, ID, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { connectionType, PageArgs } from '../../kit/pagination';
import { Disclosure } from '../entities/disclosure.entity';
import { EndUser } from '../entities/end-user.entity';
import { LegalHold } from '../entities/legal-hold.entity';
import { PrivacyRequest, PrivacyRequestStatus, PrivacyTask } from '../entities/privacy-request.entity';
import { CreatePrivacyRequestInput, PlaceLegalHoldInput, RecordDisclosureInput } from '../inputs/privacy.input';
import type { IdentityContext } from '../services';

@ObjectType()
export class PrivacyRequestConnection extends connectionType(PrivacyRequest) {}

@ObjectType()
export class LegalHoldConnection extends connectionType(LegalHold) {}

@ObjectType()
export class DisclosureConnection extends connectionType(Disclosure) {}

@Resolver(() => PrivacyRequest)
export class PrivacyResolver {
  @Query(() => PrivacyRequestConnection, { description: 'Your privacy requests, oldest first.' })
  privacyRequests(
    @Args() { first, after }: PageArgs,
    @Arg('status', () => PrivacyRequestStatus, { nullable: true }) status: PrivacyRequestStatus | undefined,
    @Ctx() { services }: IdentityContext,
  ) {
    return services.privacy.list(status, first, after);
  }

  @Query(() => PrivacyRequest, { nullable: true })
  privacyRequest(@Arg('id', () => ID) id: string, @Ctx() { services }: IdentityContext): Promise<PrivacyRequest | null> {
    return services.privacy.find(id);
  }

  @Query(() => String, { description: 'The ACCESS request’s export: one JSON document of everything held about the person, ready to hand over.' })
  privacyAccessExport(@Arg('requestId', () => ID) requestId: string, @Ctx() { services }: IdentityContext): Promise<string> {
    return services.privacy.accessExport(requestId);
  }

  @Mutation(() => PrivacyRequest, { description: 'Records a request and carries it out at once as far as every target allows; failed targets are retried.' })
  createPrivacyRequest(@Arg('input') input: CreatePrivacyRequestInput, @Ctx() { services }: IdentityContext): Promise<PrivacyRequest> {
    return services.privacy.create(input);
  }

  @Mutation(() => PrivacyRequest, { description: 'Tries the targets not yet done now, without waiting for the next retry.' })
  retryPrivacyRequest(@Arg('id', () => ID) id: string, @Ctx() { services }: IdentityContext): Promise<PrivacyRequest> {
    return services.privacy.run(id);
  }

  @Mutation(() => EndUser, { description: 'Ends a restriction: the person may be processed again.' })
  liftProcessingRestriction(@Arg('endUserId', () => ID) endUserId: string, @Ctx() { services }: IdentityContext): Promise<EndUser> {
    return services.privacy.liftRestriction(endUserId);
  }

  @FieldResolver(() => [PrivacyTask], { description: 'One per target: each subgraph, and the linked CRMs.' })
  tasks(@Root() request: PrivacyRequest, @Ctx() { services }: IdentityContext): Promise<PrivacyTask[]> {
    return services.privacy.tasks(request.id);
  }
}

@Resolver()
export class LegalResolver {
  @Query(() => LegalHoldConnection, { description: 'Legal holds, oldest first; optionally for one end-user.' })
  legalHolds(@Args() { first, after }: PageArgs, @Arg('endUserId', () => ID, { nullable: true }) endUserId: string | undefined, @Ctx() { services }: IdentityContext) {
    return services.privacy.holds(endUserId, first, after);
  }

  @Mutation(() => LegalHold, { description: 'While a hold is active, the person’s data cannot be erased.' })
  placeLegalHold(@Arg('input') input: PlaceLegalHoldInput, @Ctx() { services }: IdentityContext): Promise<LegalHold> {
    return services.privacy.placeHold(input);
  }

  @Mutation(() => LegalHold)
  releaseLegalHold(@Arg('id', () => ID) id: string, @Ctx() { services }: IdentityContext): Promise<LegalHold> {
    return services.privacy.releaseHold(id);
  }

  @Query(() => DisclosureConnection, { description: 'Disclosures to authorities, oldest first; optionally for one end-user.' })
  disclosures(@Args() { first, after }: PageArgs, @Arg('endUserId', () => ID, { nullable: true }) endUserId: string | undefined, @Ctx() { services }: IdentityContext) {
    return services.privacy.disclosures(endUserId, first, after);
  }

  @Mutation(() => Disclosure, { description: 'Records data handed to an authority because the law required it.' })
  recordDisclosure(@Arg('input') input: RecordDisclosureInput, @Ctx() { services }: IdentityContext): Promise<Disclosure> {
    return services.privacy.recordDisclosure(input);
  }
}
