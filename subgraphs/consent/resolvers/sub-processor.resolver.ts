import { Arg, Args, Ctx, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { ConsentContext } from '../services';
import { connectionType, PageArgs } from '../../kit/pagination';
import { SubProcessor, SubProcessorNotice } from '../entities/sub-processor.entity';
import { AddSubProcessorInput } from '../inputs/sub-processor.input';

@ObjectType()
export class SubProcessorConnection extends connectionType(SubProcessor) {}

@ObjectType()
export class SubProcessorNoticeConnection extends connectionType(SubProcessorNotice) {}

@Resolver()
export class SubProcessorResolver {
  @Query(() => SubProcessorConnection, { description: 'The platform’s sub-processors, oldest first.' })
  subProcessors(@Args() { first, after }: PageArgs, @Ctx() { services }: ConsentContext) {
    return services.subProcessors.list(first, after);
  }

  @Query(() => SubProcessorNoticeConnection, { description: 'Notices of changes to the sub-processors, oldest first.' })
  subProcessorNotices(@Args() { first, after }: PageArgs, @Ctx() { services }: ConsentContext) {
    return services.subProcessors.notices(first, after);
  }

  @Mutation(() => SubProcessor, { description: 'Platform operators only. Publishes a notice to every tenant.' })
  addSubProcessor(@Arg('input') input: AddSubProcessorInput, @Ctx() { services }: ConsentContext): Promise<SubProcessor> {
    return services.subProcessors.add(input);
  }
}
