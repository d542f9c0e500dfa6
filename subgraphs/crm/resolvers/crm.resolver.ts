import { Arg, Args, Ctx, Directive, Field, FieldResolver, ID, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { SubgraphContext } from '../../shared/context';
import { connectionType, PageArgs } from '../../shared/pagination';
import { CrmConnection } from '../entities/crm-connection.entity';
import { CrmLink } from '../entities/crm-link.entity';
import { CreateCrmConnectionInput, LinkCrmRecordInput } from '../inputs/crm.input';
import { CrmService } from '../services/crm.service';

@ObjectType()
export class CrmConnectionConnection extends connectionType(CrmConnection) {}

@ObjectType()
export class CrmLinkConnection extends connectionType(CrmLink) {}

/** EndUser is owned by identity; this subgraph adds the end-user's CRM links. */
@Directive('@key(fields: "id")')
@ObjectType('EndUser')
export class EndUserCrm {
  @Field(() => ID)
  id: string;
}

@Resolver()
export class CrmResolver {
  @Query(() => CrmConnectionConnection, { description: 'Your CRM connections.' })
  crmConnections(@Args() { first, after }: PageArgs, @Ctx() ctx: SubgraphContext) {
    return new CrmService(ctx.scope).connections(first, after);
  }

  @Mutation(() => CrmConnection, { description: 'Tenant admins only.' })
  createCrmConnection(@Arg('input') input: CreateCrmConnectionInput, @Ctx() ctx: SubgraphContext): Promise<CrmConnection> {
    return new CrmService(ctx.scope).createConnection(input);
  }

  @Mutation(() => CrmLink, { description: 'Links an end-user to a record in one of your CRMs.' })
  linkCrmRecord(@Arg('input') input: LinkCrmRecordInput, @Ctx() ctx: SubgraphContext): Promise<CrmLink> {
    return new CrmService(ctx.scope).link(input);
  }
}

@Resolver(() => EndUserCrm)
export class EndUserCrmResolver {
  @FieldResolver(() => CrmLinkConnection, { nullable: true, description: 'Records linked to this end-user in your CRMs.' })
  crmLinks(@Root() endUser: EndUserCrm, @Args() { first, after }: PageArgs, @Ctx() ctx: SubgraphContext) {
    return ctx.childPage(CrmLink, 'endUserId', endUser.id, first, after);
  }
}
