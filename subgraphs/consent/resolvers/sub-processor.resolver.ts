import { Arg, Args, Ctx, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { SubgraphContext } from '../../kit/context';
import { connectionType, PageArgs } from '../../kit/pagination';
import { SubProcessor, SubProcessorNotice } from '../entities/sub-processor.entity';
import { AddSubProcessorInput } from '../inputs/sub-processor.input';
import { SubProcessorService } from '../services/sub-processor.service';

@ObjectType()
export class SubProcessorConnection extends connectionType(SubProcessor) {}

@ObjectType()
export class SubProcessorNoticeConnection extends connectionType(SubProcessorNotice) {}

@Resolver()
export class SubProcessorResolver {
  @Query(() => SubProcessorConnection, { description: 'The platform’s sub-processors, oldest first.' })
  subProcessors(@Args() { first, after }: PageArgs, @Ctx() ctx: SubgraphContext) {
    return new SubProcessorService(ctx.dataSource).list(first, after);
  }

  @Query(() => SubProcessorNoticeConnection, { description: 'Notices of changes to the sub-processors, oldest first.' })
  subProcessorNotices(@Args() { first, after }: PageArgs, @Ctx() ctx: SubgraphContext) {
    return new SubProcessorService(ctx.dataSource).notices(first, after);
  }

  @Mutation(() => SubProcessor, { description: 'Platform operators only. Publishes a notice to every tenant.' })
  addSubProcessor(@Arg('input') input: AddSubProcessorInput, @Ctx() ctx: SubgraphContext): Promise<SubProcessor> {
    return new SubProcessorService(ctx.dataSource).add(input);
  }
}
