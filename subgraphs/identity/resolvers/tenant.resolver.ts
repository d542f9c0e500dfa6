import { Arg, Args, Ctx, Field, ID, Mutation, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import type { SubgraphContext } from '../../kit/context';
import { connectionType, PageArgs } from '../../kit/pagination';
import { Tenant, TenantStatus, WidgetSettings } from '../entities/tenant.entity';
import { CreateTenantInput } from '../inputs/create-tenant.input';
import { AccessPolicyInput } from '../inputs/access-policy.input';
import { TenantService } from '../services/tenant.service';

@ObjectType()
export class TenantConnection extends connectionType(Tenant) {}

export enum PrincipalKind {
  OPERATOR = 'operator',
  API_CLIENT = 'api_client',
  PLATFORM = 'platform',
  SERVICE = 'service',
  WIDGET = 'widget',
  ANONYMOUS = 'anonymous',
}
registerEnumType(PrincipalKind, { name: 'PrincipalKind' });

@ObjectType({ description: 'The caller, as the gateway authenticated it.' })
export class Me {
  @Field(() => ID)
  id: string;

  @Field(() => PrincipalKind)
  kind: PrincipalKind;

  @Field(() => [String])
  roles: string[];

  @Field(() => [String])
  scopes: string[];

  @Field(() => Tenant, { nullable: true })
  tenant: Tenant | null;
}

@Resolver()
export class TenantResolver {
  @Query(() => Me)
  async me(@Ctx() ctx: SubgraphContext): Promise<Me> {
    const { principal, tenant } = ctx.claims;
    return {
      id: principal.id,
      kind: principal.kind as PrincipalKind,
      roles: principal.roles,
      scopes: principal.scopes,
      tenant: tenant ? await new TenantService(ctx.dataSource).get(tenant.id) : null,
    };
  }

  @Query(() => Tenant, { description: 'Your own tenant.' })
  tenant(@Ctx() ctx: SubgraphContext): Promise<Tenant> {
    return new TenantService(ctx.dataSource).get(ctx.tenantId);
  }

  @Query(() => TenantConnection, { description: 'Platform operators only.' })
  tenants(@Args() { first, after }: PageArgs, @Ctx() ctx: SubgraphContext) {
    return new TenantService(ctx.dataSource).list(first, after);
  }

  @Mutation(() => Tenant, { description: 'Platform operators only.' })
  async createTenant(@Arg('input') input: CreateTenantInput, @Ctx() ctx: SubgraphContext): Promise<Tenant> {
    const tenant = await new TenantService(ctx.dataSource).create(input);
    // A gateway may have cached the slug as unknown.
    await ctx.accessEvents.publish(tenant.slug);
    return tenant;
  }

  @Mutation(() => Tenant, { description: 'Tenant admins only. Takes effect within seconds.' })
  updateTenantAccessPolicy(
    @Arg('input') input: AccessPolicyInput,
    @Ctx() ctx: SubgraphContext,
  ): Promise<Tenant> {
    return new TenantService(ctx.dataSource).updateAccessPolicy(ctx.tenantId, input, ctx.claims.clientIp, ctx.accessEvents);
  }

  @Mutation(() => WidgetSettings, { description: 'Tenant admins only. Issues a new chat-widget key; the old one stops working.' })
  async rotateWidgetKey(@Ctx() ctx: SubgraphContext): Promise<WidgetSettings> {
    return (await new TenantService(ctx.dataSource).rotateWidgetKey(ctx.tenantId, ctx.accessEvents)).widget;
  }

  @Mutation(() => WidgetSettings, { description: 'Tenant admins only. Origins whose pages may use the chat-widget key.' })
  async updateWidgetOrigins(
    @Arg('origins', () => [String]) origins: string[],
    @Ctx() ctx: SubgraphContext,
  ): Promise<WidgetSettings> {
    return (await new TenantService(ctx.dataSource).updateWidgetOrigins(ctx.tenantId, origins, ctx.accessEvents)).widget;
  }

  @Mutation(() => Tenant, { description: 'Platform operators only. A disabled tenant’s tokens are refused from the next request.' })
  setTenantStatus(
    @Arg('id', () => ID) id: string,
    @Arg('status', () => TenantStatus) status: TenantStatus,
    @Ctx() ctx: SubgraphContext,
  ): Promise<Tenant> {
    return new TenantService(ctx.dataSource).setStatus(id, status, ctx.accessEvents);
  }
}
