import { ArrayMaxSize, ArrayMinSize, IsOptional, Length } from 'class-validator';
import { IsEmailAddress } from '../../kit/contact-validators';
import { Field, InputType } from 'type-graphql';
import { OperatorRole } from '../entities/operator.entity';

@InputType()
export class InviteOperatorInput {
  @Field({ description: 'The identity provider’s subject (`sub`) for this person.' })
  @Length(1, 200)
  subject: string;

  @Field()
  @IsEmailAddress()
  email: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 200)
  displayName?: string | null;

  @Field(() => [OperatorRole])
  @ArrayMinSize(1, { message: 'needs at least one role' })
  roles: OperatorRole[];
}

@InputType()
export class CreateApiClientInput {
  @Field()
  @Length(1, 100)
  name: string;

  @Field(() => [String], { description: 'e.g. profiles:read, crm:read, crm:write.' })
  @ArrayMinSize(1, { message: 'needs at least one scope' })
  @ArrayMaxSize(20)
  scopes: string[];
}
