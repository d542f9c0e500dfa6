import { ArrayMaxSize, IsString } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { AccessMode } from '../entities/tenant.entity';

@InputType()
export class AccessPolicyInput {
  @Field(() => AccessMode)
  mode: AccessMode;

  @Field(() => [String], { defaultValue: [] })
  @ArrayMaxSize(500)
  @IsString({ each: true })
  cidrs: string[];
}
