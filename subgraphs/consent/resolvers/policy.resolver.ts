import { Arg, Args, Ctx, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { SubgraphContext } from '../../kit/context';
import { connectionType, PageArgs } from '../../kit/pagination';
import { PlatformPolicyVersion, PolicyVersion } from '../entities/policy-version.entity';
import { PublishPolicyInput } from '../inputs/policy.input';
import { MATERIAL_NOTICE_DAYS, PlatformPolicyService, PolicyService } from '../services/policy.service';

@ObjectType()
export class PlatformPolicyVersionConnection extends connectionType(PlatformPolicyVersion) {}

@Resolver()
export class PolicyResolver {
  @Query(() => PolicyVersion, { nullable: true, description: 'Your privacy notice’s next version, published but not yet in effect.' })
  upcomingPolicyChange(@Ctx() ctx: SubgraphContext): Promise<PolicyVersion | null> {
    return new PolicyService(ctx.scope).upcoming();
  }

  @Mutation(() => PolicyVersion, {
    description: `Publishes a version of your privacy notice. A material change takes effect no sooner than ${MATERIAL_NOTICE_DAYS} days after publication.`,
  })
  publishPolicyVersion(@Arg('input') input: PublishPolicyInput, @Ctx() ctx: SubgraphContext): Promise<PolicyVersion> {
    return new PolicyService(ctx.scope).publish(input);
  }

  @Query(() => PlatformPolicyVersionConnection, { description: 'The platform’s policy versions, oldest first.' })
  platformPolicyVersions(@Args() { first, after }: PageArgs, @Ctx() ctx: SubgraphContext) {
    return new PlatformPolicyService(ctx.dataSource).list(first, after);
  }

  @Query(() => PlatformPolicyVersion, { nullable: true, description: 'The platform policy’s next version, published but not yet in effect.' })
  upcomingPlatformPolicyChange(@Ctx() ctx: SubgraphContext): Promise<PlatformPolicyVersion | null> {
    return new PlatformPolicyService(ctx.dataSource).upcoming();
  }

  @Mutation(() => PlatformPolicyVersion, {
    description: `Platform operators only. A material change takes effect no sooner than ${MATERIAL_NOTICE_DAYS} days after publication.`,
  })
  publishPlatformPolicyVersion(@Arg('input') input: PublishPolicyInput, @Ctx() ctx: SubgraphContext): Promise<PlatformPolicyVersion> {
    return new PlatformPolicyService(ctx.dataSource).publish(input);
  }
}
