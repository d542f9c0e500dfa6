import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index } from 'typeorm';
import { ID_COLUMN, TenantOwnedEntity, INSTANT_COLUMN } from '../../kit/tenant-entity';

/** Append-only, like consent records: each choice a visitor makes in the chat widget is a new row. */
@ObjectType({ description: 'A cookie choice made in the chat widget by a (possibly anonymous) visitor.' })
@Entity('cookie_consents')
@Index(['tenantId', 'visitorId', 'id'])
export class CookieConsent extends TenantOwnedEntity {
  @Field(() => ID)
  declare id: string;

  @Field({ description: 'The widget’s visitor id (a first-party cookie).' })
  @Column({ type: 'varchar', length: 64 })
  visitorId: string;

  @Field({ description: 'Always true: strictly necessary cookies need no consent.' })
  get strictlyNecessary(): boolean {
    return true;
  }

  @Field()
  @Column({ type: 'boolean' })
  functional: boolean;

  @Field()
  @Column({ type: 'boolean' })
  analytics: boolean;

  @Field()
  @Column({ type: 'boolean' })
  advertising: boolean;

  @Field(() => ID, { nullable: true, description: 'Policy version in force when it was given.' })
  @Column({ ...ID_COLUMN, nullable: true })
  policyVersionId: string | null;

  @Field()
  @Column(INSTANT_COLUMN)
  recordedAt: Date;

  /** Proof: keyed hash of the visitor's address (per-tenant key), never the address itself. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  addressHash: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 400, nullable: true })
  userAgent: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 500, nullable: true })
  page: string | null;
}

/** A widget visitor identified as an end-user; every cookie choice of the visitor is then theirs. */
@Entity('visitor_links')
@Index(['tenantId', 'visitorId'], { unique: true })
@Index(['tenantId', 'endUserId'])
export class VisitorLink extends TenantOwnedEntity {
  @Column({ type: 'varchar', length: 64 })
  visitorId: string;

  @Column(ID_COLUMN)
  endUserId: string;
}
