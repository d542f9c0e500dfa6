import { Arg, Args, Ctx, Field, ID, Mutation, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import { connectionType, PageArgs } from '../../kit/pagination';
import { Tenant, TenantStatus, WidgetSettings } from '../entities/tenant.entity';
import { CreateTenantInput } from '../inputs/create-tenant.input';
import { AccessPolicyInput } from '../inputs/access-policy.input';
import type { IdentityContext } from '../services';

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
  async me(@Ctx() { claims, services }: IdentityContext): Promise<Me> {
    const { principal, tenant } = claims;
    return {
      id: principal.id,
      kind: principal.kind as PrincipalKind,
      roles: principal.roles,
      scopes: principal.scopes,
      tenant: tenant ? await services.tenants.get(tenant.id) : null,
    };
  }

  @Query(() => Tenant, { description: 'Your own tenant.' })
  tenant(@Ctx() ctx: IdentityContext): Promise<Tenant> {
    return ctx.services.tenants.get(ctx.tenantId);
  }

  @Query(() => TenantConnection, { description: 'Platform operators only.' })
  tenants(@Args() { first, after }: PageArgs, @Ctx() { services }: IdentityContext) {
    return services.tenants.list(first, after);
  }

  @Mutation(() => Tenant, { description: 'Platform operators only.' })
  createTenant(@Arg('input') input: CreateTenantInput, @Ctx() { services }: IdentityContext): Promise<Tenant> {
    return services.tenants.create(input);
  }

  @Mutation(() => Tenant, { description: 'Tenant admins only. Takes effect within seconds.' })
  updateTenantAccessPolicy(
    @Arg('input') input: AccessPolicyInput,
    @Ctx() ctx: IdentityContext,
  ): Promise<Tenant> {
    return ctx.services.tenants.updateAccessPolicy(ctx.tenantId, input, ctx.claims.clientIp);
  }

  @Mutation(() => WidgetSettings, { description: 'Tenant admins only. Issues a new chat-widget key; the old one stops working.' })
  async rotateWidgetKey(@Ctx() ctx: IdentityContext): Promise<WidgetSettings> {
    return (await ctx.services.tenants.rotateWidgetKey(ctx.tenantId)).widget;
  }

  @Mutation(() => WidgetSettings, { description: 'Tenant admins only. Origins whose pages may use the chat-widget key.' })
  async updateWidgetOrigins(
    @Arg('origins', () => [String]) origins: string[],
    @Ctx() ctx: IdentityContext,
  ): Promise<WidgetSettings> {
    return (await ctx.services.tenants.updateWidgetOrigins(ctx.tenantId, origins)).widget;
  }

  @Mutation(() => Tenant, { description: 'Platform operators only. A disabled tenant’s tokens are refused from the next request.' })
  setTenantStatus(
    @Arg('id', () => ID) id: string,
    @Arg('status', () => TenantStatus) status: TenantStatus,
    @Ctx() { services }: IdentityContext,
  ): Promise<Tenant> {
    return services.tenants.setStatus(id, status);
  }
}
