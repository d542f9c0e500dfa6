import { Field, InputType } from 'type-graphql';
import { Length, Matches } from 'class-validator';
import { Deployment } from '../entities/tenant.entity';

@InputType()
export class CreateTenantInput {
  @Field({ description: 'Lowercase letters, digits and dashes; used in tokens.' })
  @Matches(/^[a-z][a-z0-9-]{1,62}$/, { message: 'must be 2-63 lowercase letters, digits or dashes' })
  slug: string;

  @Field()
  @Length(1, 200)
  name: string;

  @Field(() => Deployment)
  deployment: Deployment;

  @Field()
  @Matches(/^[a-z]{2}(-[a-z0-9]+)+$/, { message: 'must look like eu-west-1' })
  region: string;
}
