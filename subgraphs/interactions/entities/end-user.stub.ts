import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** EndUser is owned by identity; this subgraph adds the end-user's interactions. */
@Directive('@key(fields: "id")')
@ObjectType('EndUser')
export class EndUser {
  @Field(() => ID)
  id: string;
}
