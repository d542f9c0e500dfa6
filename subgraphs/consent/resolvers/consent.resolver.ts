import { Arg, Args, Ctx, Directive, Field, FieldResolver, ID, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { SubgraphContext } from '../../kit/context';
import { connectionType, PageArgs } from '../../kit/pagination';
import { ConsentRecord } from '../entities/consent-record.entity';
import { PolicyVersion } from '../entities/policy-version.entity';
import { RecordConsentInput } from '../inputs/record-consent.input';
import { ConsentService } from '../services/consent.service';
import { proofOf } from '../services/proof';
import { identityEndUserCheck } from '../../kit/end-user-guard';

@ObjectType()
export class ConsentRecordConnection extends connectionType(ConsentRecord) {}

@ObjectType()
export class PolicyVersionConnection extends connectionType(PolicyVersion) {}

/** EndUser is owned by identity; this subgraph adds the end-user's consent records. */
@Directive('@key(fields: "id")')
@ObjectType('EndUser')
export class EndUserConsents {
  @Field(() => ID)
  id: string;
}

@Resolver()
export class ConsentResolver {
  @Query(() => PolicyVersionConnection, { description: 'Your privacy notice versions, oldest first.' })
  policyVersions(@Args() { first, after }: PageArgs, @Ctx() ctx: SubgraphContext) {
    return new ConsentService(ctx.scope).policyVersions(first, after);
  }

  @Mutation(() => ConsentRecord, { description: 'Appends a consent grant or withdrawal under the policy in force.' })
  async recordConsent(@Arg('input') input: RecordConsentInput, @Ctx() ctx: SubgraphContext): Promise<ConsentRecord> {
    return new ConsentService(ctx.scope, identityEndUserCheck(ctx)).record(input, await proofOf(ctx, input.proof));
  }
}

@Resolver(() => EndUserConsents)
export class EndUserConsentsResolver {
  @FieldResolver(() => ConsentRecordConnection, { nullable: true, description: 'Consent history, oldest first.' })
  consents(@Root() endUser: EndUserConsents, @Args() { first, after }: PageArgs, @Ctx() ctx: SubgraphContext) {
    return ctx.childPage(ConsentRecord, 'endUserId', endUser.id, first, after);
  }
}
