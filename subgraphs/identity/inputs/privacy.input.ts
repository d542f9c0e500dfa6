import { ArrayMaxSize, ArrayMinSize, IsOptional, Length, ValidateNested } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { PrivacyRequestKind } from '../entities/privacy-request.entity';
import { UpdateEndUserInput } from './end-user.input';

@InputType()
export class CreatePrivacyRequestInput {
  @Field(() => ID)
  endUserId: string;

  @Field(() => PrivacyRequestKind)
  kind: PrivacyRequestKind;

  @Field(() => UpdateEndUserInput, { nullable: true, description: 'RECTIFICATION only: the corrected fields.' })
  @IsOptional()
  @ValidateNested()
  rectification?: UpdateEndUserInput | null;

  @Field(() => Date, { nullable: true, description: 'Defaults to 30 days from now.' })
  @IsOptional()
  dueAt?: Date | null;
}

@InputType()
export class PlaceLegalHoldInput {
  @Field(() => ID)
  endUserId: string;

  @Field()
  @Length(1, 300)
  reason: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 200)
  reference?: string | null;
}

@InputType()
export class RecordDisclosureInput {
  @Field(() => ID)
  endUserId: string;

  @Field()
  @Length(1, 300)
  authority: string;

  @Field()
  @Length(1, 300)
  legalBasis: string;

  @Field()
  @Length(1, 200)
  reference: string;

  @Field(() => [String])
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @Length(1, 60, { each: true })
  dataCategories: string[];

  @Field()
  disclosedAt: Date;
}
