import { Directive, Field, Float, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index } from 'typeorm';
import { TenantOwnedEntity } from '../../shared/tenant-entity';

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
  line1: string;

  @Field(() => String, { nullable: true })
  line2?: string | null;

  @Field()
  city: string;

  @Field(() => String, { nullable: true, description: 'State, province or county.' })
  region?: string | null;

  @Field()
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
 * A person a tenant serves; owned by the identity subgraph, extended by the others. Sensitive
 * fields reach GraphQL only through EndUserResolver, which masks them without `pii:read`.
 */
@Directive('@key(fields: "id")')
@ObjectType({ description: 'A person the tenant serves (a caller, customer or contact).' })
@Entity('end_users')
@Index(['tenantId', 'email'])
@Index(['tenantId', 'phone'])
export class EndUser extends TenantOwnedEntity {
  @Field(() => ID)
  declare id: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 100, nullable: true })
  firstName: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 100, nullable: true })
  lastName: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 254, nullable: true })
  email: string | null;

  @Field(() => String, { nullable: true, description: 'E.164, e.g. +14155550123.' })
  @Column({ type: 'varchar', length: 16, nullable: true })
  phone: string | null;

  @Field(() => PostalAddress, { nullable: true })
  @Column({ type: 'simple-json', nullable: true })
  address: PostalAddress | null;

  @Column({ type: 'varchar', length: 20, default: Gender.UNSPECIFIED })
  gender: Gender;

  @Column({ type: 'varchar', length: 10, nullable: true })
  dateOfBirth: string | null;

  @Column({ type: 'varchar', length: 11, nullable: true })
  ssn: string | null;

  @Column({ type: 'varchar', length: 30, default: MaritalStatus.UNSPECIFIED })
  maritalStatus: MaritalStatus;

  @Column({ type: 'simple-json', nullable: true })
  geolocation: Geolocation | null;

  @Field()
  declare createdAt: Date;

  @Field()
  declare updatedAt: Date;
}
