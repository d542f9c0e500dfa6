import { Arg, Args, Ctx, Field, ID, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { connectionType, PageArgs } from '../../kit/pagination';
import { ApiClient } from '../entities/api-client.entity';
import { Operator, OperatorRole, PrincipalStatus } from '../entities/operator.entity';
import { CreateApiClientInput, InviteOperatorInput } from '../inputs/principal.input';
import type { IdentityContext } from '../services';

@ObjectType()
export class OperatorConnection extends connectionType(Operator) {}

@ObjectType()
export class ApiClientConnection extends connectionType(ApiClient) {}

@ObjectType({ description: 'A new API client and its secret. The secret is shown this once and cannot be read again.' })
export class CreatedApiClient {
  @Field(() => ApiClient)
  client: ApiClient;

  @Field()
  clientSecret: string;
}

/** Tenant admins manage who may act for the tenant; changes apply from the next request. */
@Resolver()
export class PrincipalResolver {
  @Query(() => OperatorConnection)
  operators(@Args() { first, after }: PageArgs, @Ctx() { services }: IdentityContext) {
    return services.principals.operators(first, after);
  }

  @Query(() => ApiClientConnection)
  apiClients(@Args() { first, after }: PageArgs, @Ctx() { services }: IdentityContext) {
    return services.principals.apiClients(first, after);
  }

  @Mutation(() => Operator, { description: 'Lets a person of your identity provider act for your tenant.' })
  inviteOperator(@Arg('input') input: InviteOperatorInput, @Ctx() { services }: IdentityContext): Promise<Operator> {
    return services.principals.inviteOperator(input);
  }

  @Mutation(() => Operator, { description: 'Replaces the operator’s roles.' })
  setOperatorRoles(
    @Arg('id', () => ID) id: string,
    @Arg('roles', () => [OperatorRole]) roles: OperatorRole[],
    @Ctx() ctx: IdentityContext,
  ): Promise<Operator> {
    return ctx.services.principals.setOperatorRoles(id, roles, ctx.claims.principal.id);
  }

  @Mutation(() => Operator, { description: 'Refuses the operator from the next request on, whatever tokens they hold.' })
  revokeOperator(@Arg('id', () => ID) id: string, @Ctx() ctx: IdentityContext): Promise<Operator> {
    return ctx.services.principals.setOperatorStatus(id, PrincipalStatus.REVOKED, ctx.claims.principal.id);
  }

  @Mutation(() => Operator)
  reinstateOperator(@Arg('id', () => ID) id: string, @Ctx() ctx: IdentityContext): Promise<Operator> {
    return ctx.services.principals.setOperatorStatus(id, PrincipalStatus.ACTIVE, ctx.claims.principal.id);
  }

  @Mutation(() => CreatedApiClient, { description: 'Creates a machine client; exchange its credentials at POST /oauth/token.' })
  createApiClient(@Arg('input') input: CreateApiClientInput, @Ctx() { services }: IdentityContext): Promise<CreatedApiClient> {
    return services.principals.createApiClient(input);
  }

  @Mutation(() => ApiClient, { description: 'Refuses the client’s tokens from the next request on.' })
  revokeApiClient(@Arg('id', () => ID) id: string, @Ctx() { services }: IdentityContext): Promise<ApiClient> {
    return services.principals.revokeApiClient(id);
  }
}
