import { Arg, Ctx, Directive, Field, ID, ObjectType, Query, Resolver } from 'type-graphql';
import { badInput } from '../../../platform/errors';
import type { IdentityContext } from '../services';
import type { EndUserStateRecord } from '../../../platform/contracts/operations/identity';

/** The most ids one call may ask about (a request's writes and reads of one subgraph, batched). */
export const END_USER_STATES_LIMIT = 500;

@Directive('@inaccessible')
@ObjectType({ description: 'An end-user other subgraphs may write about: it exists and is not being erased.' })
export class EndUserState implements EndUserStateRecord {
  @Field(() => ID)
  id: string;

  @Field({ description: 'True while a restriction request holds.' })
  restricted: boolean;
}

/** For interactions, consent and crm over their service links; the gateway never exposes it. */
@Resolver()
export class EndUserStateResolver {
  @Directive('@inaccessible')
  @Query(() => [EndUserState], { description: 'The ids of the tenant that exist and are not erased or being erased; others are left out.' })
  endUserStates(@Arg('ids', () => [ID]) ids: string[], @Ctx() { services }: IdentityContext): Promise<EndUserState[]> {
    if (ids.length > END_USER_STATES_LIMIT) throw badInput('ids', `must hold at most ${END_USER_STATES_LIMIT} ids`);
    return services.endUsers.states(ids);
  }
}
