import { Arg, Args, Ctx, ID, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { SubgraphContext } from '../../shared/context';
import { connectionType, PageArgs } from '../../shared/pagination';
import { EndUser } from '../entities/end-user.entity';
import { CreateEndUserInput, EndUserFilter, UpdateEndUserInput } from '../inputs/end-user.input';
import { EndUserService } from '../services/end-user.service';
import { endUserLoader } from './end-user.reference';

@ObjectType()
export class EndUserConnection extends connectionType(EndUser) {}

@Resolver(() => EndUser)
export class EndUserResolver {
  @Query(() => EndUser, { nullable: true, description: 'An end-user of your tenant; null when there is none.' })
  endUser(@Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext): Promise<EndUser | null> {
    return endUserLoader(ctx).load(id);
  }

  @Query(() => EndUserConnection)
  endUsers(
    @Args() { first, after }: PageArgs,
    @Arg('filter', () => EndUserFilter, { nullable: true }) filter: EndUserFilter | undefined,
    @Ctx() ctx: SubgraphContext,
  ) {
    return new EndUserService(ctx.scope).list(filter, first, after);
  }

  @Mutation(() => EndUser)
  createEndUser(@Arg('input') input: CreateEndUserInput, @Ctx() ctx: SubgraphContext): Promise<EndUser> {
    return new EndUserService(ctx.scope).create(input);
  }

  @Mutation(() => EndUser, { description: 'Partial update: omitted fields are kept, null clears a field.' })
  updateEndUser(
    @Arg('id', () => ID) id: string,
    @Arg('input') input: UpdateEndUserInput,
    @Ctx() ctx: SubgraphContext,
  ): Promise<EndUser> {
    return new EndUserService(ctx.scope).update(id, input);
  }
}
