import { Field, InputType, Int } from 'type-graphql';
import { ArrayMaxSize, IsOptional, Length, ValidateNested } from 'class-validator';

@InputType()
export class RedactionPatternInput {
  @Field({ description: 'Letters, digits, _ or -; shown in place of a match.' })
  @Length(1, 40)
  name: string;

  @Field({ description: 'An RE2 regular expression (up to 200 characters; no backreferences or lookaround), matched case-insensitively.' })
  @Length(1, 200)
  pattern: string;
}

@InputType({ description: 'Omitted fields are kept.' })
export class UpdateInteractionSettingsInput {
  @Field(() => Int, { nullable: true })
  minGroupSize?: number | null;

  @Field(() => Int, { nullable: true })
  transcriptRetentionDays?: number | null;

  @Field(() => [RedactionPatternInput], { nullable: true, description: 'Replaces the tenant’s patterns.' })
  @IsOptional()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  redactionPatterns?: RedactionPatternInput[] | null;
}
