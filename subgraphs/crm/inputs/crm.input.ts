import { Field, ID, InputType } from 'type-graphql';
import { IsUrl, Length } from 'class-validator';
import { CrmProvider, CrmRole } from '../entities/crm-connection.entity';

@InputType()
export class CreateCrmConnectionInput {
  @Field()
  @Length(1, 100)
  name: string;

  @Field(() => CrmProvider)
  provider: CrmProvider;

  @Field()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' })
  baseUrl: string;

  @Field(() => CrmRole)
  role: CrmRole;
}

@InputType()
export class LinkCrmRecordInput {
  @Field(() => ID)
  endUserId: string;

  @Field(() => ID)
  connectionId: string;

  @Field()
  @Length(1, 100)
  externalId: string;
}
