import { Field, ID, InputType } from 'type-graphql';
import { ConsentPurpose, ConsentSource } from '../entities/consent-record.entity';

@InputType()
export class RecordConsentInput {
  @Field(() => ID)
  endUserId: string;

  @Field(() => ConsentPurpose)
  purpose: ConsentPurpose;

  @Field()
  granted: boolean;

  @Field(() => ConsentSource)
  source: ConsentSource;
}
