import { Arg, Args, Ctx, FieldResolver, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { ConsentContext } from '../services';
import { connectionType, PageArgs } from '../../kit/pagination';
import { ConsentRecord } from '../entities/consent-record.entity';
import { PolicyVersion } from '../entities/policy-version.entity';
import { RecordConsentInput } from '../inputs/record-consent.input';
import { EndUser } from '../entities/end-user.stub';

@ObjectType()
export class ConsentRecordConnection extends connectionType(ConsentRecord) {}

@ObjectType()
export class PolicyVersionConnection extends connectionType(PolicyVersion) {}

@Resolver()
export class ConsentResolver {
  @Query(() => PolicyVersionConnection, { description: 'Your privacy notice versions, oldest first.' })
  policyVersions(@Args() { first, after }: PageArgs, @Ctx() { services }: ConsentContext) {
    return services.consent.policyVersions(first, after);
  }

  @Mutation(() => ConsentRecord, { description: 'Appends a consent grant or withdrawal under the policy in force.' })
  recordConsent(@Arg('input') input: RecordConsentInput, @Ctx() { services }: ConsentContext): Promise<ConsentRecord> {
    return services.consent.record(input);
  }
}

@Resolver(() => EndUser)
export class EndUserConsentsResolver {
  @FieldResolver(() => ConsentRecordConnection, { nullable: true, description: 'Consent history, oldest first.' })
  consents(@Root() endUser: EndUser, @Args() { first, after }: PageArgs, @Ctx() ctx: ConsentContext) {
    return ctx.childPage(ConsentRecord, 'endUserId', endUser.id, first, after);
  }
}
