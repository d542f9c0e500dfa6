import { Directive, Field, ID, InputType } from 'type-graphql';
import { IsEmail, IsOptional, Length, Matches } from 'class-validator';
import { RecipientRole } from '../../kit/recipient-role';
import { CrmProvider } from '../entities/crm-connection.entity';
import type { CrmRectification } from '../../../platform/contracts/operations/crm';

@InputType({ description: 'HUBSPOT: accessToken (private app). SALESFORCE: accessToken (OAuth). ZENDESK: email and apiToken. Stored encrypted, never returned.' })
export class CrmCredentialsInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(8, 2000)
  accessToken?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsEmail({}, { message: 'must be an email address' })
  email?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(8, 500)
  apiToken?: string | null;
}

@InputType()
export class CreateCrmConnectionInput {
  @Field()
  @Length(1, 100)
  name: string;

  @Field(() => CrmProvider)
  provider: CrmProvider;

  @Field({ description: 'HubSpot: https://api.hubapi.com; Salesforce: your instance URL; Zendesk: https://<subdomain>.zendesk.com.' })
  @Length(1, 500)
  baseUrl: string;

  @Field(() => RecipientRole)
  role: RecipientRole;

  @Field(() => CrmCredentialsInput, { nullable: true, description: 'Required.' })
  credentials?: CrmCredentialsInput | null;
}

@InputType({ description: 'Partial: omitted fields are kept.' })
export class UpdateCrmConnectionInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 100)
  name?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 500)
  baseUrl?: string | null;

  @Field(() => RecipientRole, { nullable: true })
  role?: RecipientRole | null;

  @Field(() => CrmCredentialsInput, { nullable: true, description: 'Replaces the stored credentials.' })
  credentials?: CrmCredentialsInput | null;

  @Field(() => Boolean, { nullable: true, description: 'false disables the connection (no calls to the CRM); true enables it again.' })
  enabled?: boolean | null;
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

@InputType()
export class CrmEndUserConnectionInput {
  @Field(() => ID)
  endUserId: string;

  @Field(() => ID)
  connectionId: string;
}

@Directive('@inaccessible')
@InputType({ description: 'Corrected values for the end-user’s CRM records; omitted fields are left as they are.' })
export class CrmRectificationInput implements CrmRectification {
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
  @IsEmail({}, { message: 'must be an email address' })
  email?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Matches(/^\+[1-9]\d{6,14}$/, { message: 'must be an E.164 number such as +14155550123' })
  phone?: string | null;
}
