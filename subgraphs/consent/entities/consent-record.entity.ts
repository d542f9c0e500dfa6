import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index } from 'typeorm';
import { ID_COLUMN, TenantOwnedEntity, INSTANT_COLUMN } from '../../kit/tenant-entity';

export enum ConsentPurpose {
  CONTACT_VOICE = 'CONTACT_VOICE',
  CONTACT_SMS = 'CONTACT_SMS',
  CONTACT_EMAIL = 'CONTACT_EMAIL',
  CONTACT_CHAT = 'CONTACT_CHAT',
  CONTACT_SOCIAL = 'CONTACT_SOCIAL',
  THIRD_PARTY_SHARING = 'THIRD_PARTY_SHARING',
  ANALYTICS = 'ANALYTICS',
  SECONDARY_PURPOSE = 'SECONDARY_PURPOSE',
}
registerEnumType(ConsentPurpose, { name: 'ConsentPurpose' });

export enum ConsentSource {
  WIDGET = 'WIDGET',
  AGENT = 'AGENT',
  API = 'API',
  IMPORT = 'IMPORT',
}
registerEnumType(ConsentSource, { name: 'ConsentSource' });

/** Append-only: a change of mind is a new record; the current state is derived. */
@ObjectType({ description: 'A consent given or withdrawn by an end-user for one purpose.' })
@Entity('consent_records')
@Index(['tenantId', 'endUserId', 'purpose', 'id'])
export class ConsentRecord extends TenantOwnedEntity {
  @Field(() => ID)
  declare id: string;

  @Field(() => ID)
  @Column(ID_COLUMN)
  endUserId: string;

  @Field(() => ConsentPurpose)
  @Column({ type: 'varchar', length: 30 })
  purpose: ConsentPurpose;

  @Field({ description: 'true when granted, false when withdrawn.' })
  @Column({ type: 'boolean' })
  granted: boolean;

  @Field(() => ID, { description: 'Policy version in force when it was given.' })
  @Column(ID_COLUMN)
  policyVersionId: string;

  @Field(() => ConsentSource)
  @Column({ type: 'varchar', length: 10 })
  source: ConsentSource;

  @Field()
  @Column(INSTANT_COLUMN)
  recordedAt: Date;

  /** Proof: keyed hash of the address it was given from (per-tenant key), never the address itself. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  addressHash: string | null;

  @Field(() => String, { nullable: true, description: 'Proof: the user agent it was given from.' })
  @Column({ type: 'varchar', length: 400, nullable: true })
  userAgent: string | null;

  @Field(() => String, { nullable: true, description: 'Proof: the page or form it was given on.' })
  @Column({ type: 'varchar', length: 500, nullable: true })
  page: string | null;
}
