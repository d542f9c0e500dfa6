import { Field, InputType } from 'type-graphql';
import { IsOptional, Length, Matches, ValidateNested } from 'class-validator';
import { IsEmailAddress, IsE164Phone } from '../../kit/contact-validators';
import { Gender, Geolocation, MaritalStatus, PostalAddress } from '../entities/end-user.entity';

/** Fields shared by create and update; update treats every field as optional (partial). */
@InputType()
export class EndUserFieldsInput {
  @Field(() => String, { nullable: true, description: 'Your own reference for this person, unique in your tenant.' })
  @IsOptional()
  @Length(1, 200)
  externalRef?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 100)
  firstName?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 100)
  lastName?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsEmailAddress()
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'E.164, e.g. +14155550123.' })
  @IsOptional()
  @IsE164Phone()
  phone?: string | null;

  @Field(() => PostalAddress, { nullable: true })
  @IsOptional()
  @ValidateNested()
  address?: PostalAddress | null;

  @Field(() => Gender, { nullable: true })
  gender?: Gender | null;

  @Field(() => String, { nullable: true, description: 'ISO date, YYYY-MM-DD, in the past.' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date as YYYY-MM-DD' })
  dateOfBirth?: string | null;

  @Field(() => String, { nullable: true, description: 'US social security number, AAA-GG-SSSS.' })
  @IsOptional()
  @Matches(/^\d{3}-\d{2}-\d{4}$/, { message: 'must be formatted AAA-GG-SSSS' })
  ssn?: string | null;

  @Field(() => MaritalStatus, { nullable: true })
  maritalStatus?: MaritalStatus | null;

  @Field(() => Geolocation, { nullable: true })
  @IsOptional()
  @ValidateNested()
  geolocation?: Geolocation | null;
}

@InputType()
export class CreateEndUserInput extends EndUserFieldsInput {}

@InputType()
export class UpdateEndUserInput extends EndUserFieldsInput {}

@InputType()
export class EndUserFilter {
  @Field(() => String, { nullable: true, description: 'Exact email address.' })
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'Exact E.164 phone number (caller id).' })
  phone?: string | null;

  @Field(() => String, { nullable: true })
  externalRef?: string | null;
}
