import { Directive, Field, Float, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { IsOptional, Length } from 'class-validator';
import { Column, Entity, Index } from 'typeorm';
import { TenantOwnedEntity } from '../../kit/tenant-entity';

export enum Gender {
  FEMALE = 'FEMALE',
  MALE = 'MALE',
  NON_BINARY = 'NON_BINARY',
  OTHER = 'OTHER',
  UNSPECIFIED = 'UNSPECIFIED',
}
registerEnumType(Gender, { name: 'Gender' });

export enum MaritalStatus {
  SINGLE = 'SINGLE',
  MARRIED = 'MARRIED',
  DOMESTIC_PARTNERSHIP = 'DOMESTIC_PARTNERSHIP',
  DIVORCED = 'DIVORCED',
  WIDOWED = 'WIDOWED',
  UNSPECIFIED = 'UNSPECIFIED',
}
registerEnumType(MaritalStatus, { name: 'MaritalStatus' });

@ObjectType('PostalAddress')
@InputType('PostalAddressInput')
export class PostalAddress {
  @Field()
  @Length(1, 200)
  line1: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 200)
  line2?: string | null;

  @Field()
  @Length(1, 100)
  city: string;

  @Field(() => String, { nullable: true, description: 'State, province or county.' })
  @IsOptional()
  @Length(1, 100)
  region?: string | null;

  @Field()
  @Length(1, 20)
  postalCode: string;

  @Field({ description: 'ISO 3166-1 alpha-2 country code.' })
  country: string;
}

@ObjectType('Geolocation')
@InputType('GeolocationInput')
export class Geolocation {
  @Field(() => Float)
  latitude: number;

  @Field(() => Float)
  longitude: number;

  @Field(() => Float, { nullable: true, description: 'Accuracy radius in metres.' })
  accuracy?: number | null;

  @Field({ description: 'When the position was captured.' })
  capturedAt: Date;
}

/**
 * A person a tenant serves; owned by the identity subgraph, extended by the others. Personal
 * fields, names included, are stored only encrypted under the person's own key (see EndUserCodec
 * and SubjectKeys), so erasure can shred every copy; email and phone are found through blind
 * indexes. EndUserResolver decrypts what a query asks for, masking sensitive fields without `pii:read`.
 */
@Directive('@key(fields: "id")')
@ObjectType({ description: 'A person the tenant serves (a caller, customer or contact).' })
@Entity('end_users')
@Index(['tenantId', 'emailIndex', 'id'])
@Index(['tenantId', 'phoneIndex', 'id'])
@Index(['tenantId', 'externalRef'], { unique: true })
export class EndUser extends TenantOwnedEntity {
  @Field(() => ID)
  declare id: string;

  // Decrypted by EndUserResolver; declared here so the schema keeps their place.
  @Field(() => String, { nullable: true })
  declare firstName?: string | null;

  @Field(() => String, { nullable: true })
  declare lastName?: string | null;

  /** Names stored in clear before per-person keys; read until the backfill moves them (keys:rotate). */
  @Column({ name: 'firstName', type: 'varchar', length: 100, nullable: true })
  legacyFirstName: string | null;

  @Column({ name: 'lastName', type: 'varchar', length: 100, nullable: true })
  legacyLastName: string | null;

  @Column({ type: 'text', nullable: true })
  firstNameEncrypted: string | null;

  @Column({ type: 'text', nullable: true })
  lastNameEncrypted: string | null;

  @Field(() => String, { nullable: true, description: 'Your own reference for this person, unique in your tenant (see upsertEndUser).' })
  @Column({ type: 'varchar', length: 200, nullable: true })
  externalRef: string | null;

  @Field({ description: 'True while a restriction request holds: no processing, and only privacy officers read the record.' })
  @Column({ type: 'boolean', default: false })
  processingRestricted: boolean;

  @Field({ description: 'Region the record is stored in, stamped from the tenant at creation.' })
  @Column({ type: 'varchar', length: 40 })
  dataRegion: string;

  @Column({ type: 'text', nullable: true })
  emailEncrypted: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  emailIndex: string | null;

  @Column({ type: 'text', nullable: true })
  phoneEncrypted: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  phoneIndex: string | null;

  @Column({ type: 'text', nullable: true })
  addressEncrypted: string | null;

  @Column({ type: 'text', nullable: true })
  genderEncrypted: string | null;

  @Column({ type: 'text', nullable: true })
  dateOfBirthEncrypted: string | null;

  @Column({ type: 'text', nullable: true })
  ssnEncrypted: string | null;

  @Column({ type: 'text', nullable: true })
  maritalStatusEncrypted: string | null;

  @Column({ type: 'text', nullable: true })
  geolocationEncrypted: string | null;

  @Field()
  declare createdAt: Date;

  @Field()
  declare updatedAt: Date;
}
