import { IsIP, IsOptional, Length, ValidateNested } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { ConsentPurpose, ConsentSource } from '../entities/consent-record.entity';

@InputType({ description: 'Where and how the end-user gave or withdrew consent; kept as proof.' })
export class ConsentProofInput {
  @Field(() => String, { nullable: true, description: 'The end-user’s address; stored only as a keyed hash. Defaults to the caller’s.' })
  @IsOptional()
  @IsIP(undefined, { message: 'must be an IPv4 or IPv6 address' })
  clientAddress?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 400)
  userAgent?: string | null;

  @Field(() => String, { nullable: true, description: 'Page or form, e.g. https://acme.example/contact.' })
  @IsOptional()
  @Length(1, 500)
  page?: string | null;
}

@InputType()
export class RecordConsentInput {
  @Field(() => ID)
  @Length(1, 36)
  endUserId: string;

  @Field(() => ConsentPurpose)
  purpose: ConsentPurpose;

  @Field()
  granted: boolean;

  @Field(() => ConsentSource)
  source: ConsentSource;

  @Field(() => ConsentProofInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  proof?: ConsentProofInput | null;
}
