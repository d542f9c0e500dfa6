import { Arg, Args, Ctx, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { ConsentContext } from '../services';
import { connectionType, PageArgs } from '../../kit/pagination';
import { PlatformPolicyVersion, PolicyVersion } from '../entities/policy-version.entity';
import { PublishPolicyInput } from '../inputs/policy.input';
import { MATERIAL_NOTICE_DAYS } from '../services/policy.service';

@ObjectType()
export class PlatformPolicyVersionConnection extends connectionType(PlatformPolicyVersion) {}

@Resolver()
export class PolicyResolver {
  @Query(() => PolicyVersion, { nullable: true, description: 'Your privacy notice’s next version, published but not yet in effect.' })
  upcomingPolicyChange(@Ctx() { services }: ConsentContext): Promise<PolicyVersion | null> {
    return services.policy.upcoming();
  }

  @Mutation(() => PolicyVersion, {
    description: `Publishes a version of your privacy notice. A material change takes effect no sooner than ${MATERIAL_NOTICE_DAYS} days after publication.`,
  })
  publishPolicyVersion(@Arg('input') input: PublishPolicyInput, @Ctx() { services }: ConsentContext): Promise<PolicyVersion> {
    return services.policy.publish(input);
  }

  @Query(() => PlatformPolicyVersionConnection, { description: 'The platform’s policy versions, oldest first.' })
  platformPolicyVersions(@Args() { first, after }: PageArgs, @Ctx() { services }: ConsentContext) {
    return services.platformPolicy.list(first, after);
  }

  @Query(() => PlatformPolicyVersion, { nullable: true, description: 'The platform policy’s next version, published but not yet in effect.' })
  upcomingPlatformPolicyChange(@Ctx() { services }: ConsentContext): Promise<PlatformPolicyVersion | null> {
    return services.platformPolicy.upcoming();
  }

  @Mutation(() => PlatformPolicyVersion, {
    description: `Platform operators only. A material change takes effect no sooner than ${MATERIAL_NOTICE_DAYS} days after publication.`,
  })
  publishPlatformPolicyVersion(@Arg('input') input: PublishPolicyInput, @Ctx() { services }: ConsentContext): Promise<PlatformPolicyVersion> {
    return services.platformPolicy.publish(input);
  }
}
