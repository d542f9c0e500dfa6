import { Arg, Args, Ctx, FieldResolver, ID, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { SubgraphContext } from '../../shared/context';
import { connectionType, PageArgs } from '../../shared/pagination';
import { EndUser, Gender, Geolocation, MaritalStatus } from '../entities/end-user.entity';
import { maskSsn } from '../services/pii';
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

  // Sensitive fields: whole with `pii:read`, otherwise masked (SSN) or null — never plaintext.

  @FieldResolver(() => String, { nullable: true, description: 'Masked as ***-**-1234 without the pii:read permission.' })
  ssn(@Root() endUser: EndUser, @Ctx() ctx: SubgraphContext): string | null {
    if (!endUser.ssn) return null;
    return ctx.can('pii:read') ? endUser.ssn : maskSsn(endUser.ssn);
  }

  @FieldResolver(() => String, { nullable: true, description: 'ISO date, YYYY-MM-DD; null without the pii:read permission.' })
  dateOfBirth(@Root() endUser: EndUser, @Ctx() ctx: SubgraphContext): string | null {
    return ctx.can('pii:read') ? endUser.dateOfBirth : null;
  }

  @FieldResolver(() => Gender, { nullable: true, description: 'Null without the pii:read permission.' })
  gender(@Root() endUser: EndUser, @Ctx() ctx: SubgraphContext): Gender | null {
    return ctx.can('pii:read') ? endUser.gender : null;
  }

  @FieldResolver(() => MaritalStatus, { nullable: true, description: 'Null without the pii:read permission.' })
  maritalStatus(@Root() endUser: EndUser, @Ctx() ctx: SubgraphContext): MaritalStatus | null {
    return ctx.can('pii:read') ? endUser.maritalStatus : null;
  }

  @FieldResolver(() => Geolocation, { nullable: true, description: 'Null without the pii:read permission.' })
  geolocation(@Root() endUser: EndUser, @Ctx() ctx: SubgraphContext): Geolocation | null {
    return ctx.can('pii:read') ? endUser.geolocation : null;
  }
}
