import { Arg, Ctx, Directive, Field, ID, ObjectType, Query, Resolver } from 'type-graphql';
import type { IdentityContext } from '../services';
import { endUserCodec } from './end-user.resolver';
import { endUserLoader } from './end-user.reference';
import type { CrmProfile as CrmProfileContract } from '../../../platform/contracts/operations/identity';

/** What the crm subgraph may send to a CRM about an end-user: name, email and phone, nothing else. */
@Directive('@inaccessible')
@ObjectType({ description: 'An end-user’s profile as pushed to and matched in CRMs.' })
export class CrmProfile implements CrmProfileContract {
  @Field(() => ID)
  id: string;

  @Field(() => String, { nullable: true })
  firstName: string | null;

  @Field(() => String, { nullable: true })
  lastName: string | null;

  @Field(() => String, { nullable: true })
  email: string | null;

  @Field(() => String, { nullable: true })
  phone: string | null;
}

/** For the crm subgraph alone, over its service link; the gateway never exposes it. */
@Resolver()
export class CrmProfileResolver {
  @Directive('@inaccessible')
  @Query(() => CrmProfile, { nullable: true, description: 'Null when the tenant has no such end-user.' })
  async endUserForCrm(@Arg('id', () => ID) id: string, @Ctx() ctx: IdentityContext): Promise<CrmProfile | null> {
    const row = await endUserLoader(ctx).load(id);
    if (!row) return null;
    const codec = await endUserCodec(ctx, row);
    return { id: row.id, firstName: codec.read(row, 'firstName'), lastName: codec.read(row, 'lastName'), email: codec.read(row, 'email'), phone: codec.read(row, 'phone') };
  }
}
