import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index } from 'typeorm';
import { Channel } from '../../kit/channel';
import { ID_COLUMN, TenantOwnedEntity, INSTANT_COLUMN } from '../../kit/tenant-entity';
import { ConsentSource } from './consent-record.entity';

/** The suppression list: while a row exists, the end-user is not contacted on that channel. */
@ObjectType({ description: 'An end-user’s request not to be contacted on a channel.' })
@Entity('contact_opt_outs')
@Index(['tenantId', 'endUserId', 'channel'], { unique: true })
export class ContactOptOut extends TenantOwnedEntity {
  @Field(() => ID)
  declare id: string;

  @Field(() => ID)
  @Column(ID_COLUMN)
  endUserId: string;

  @Field(() => Channel)
  @Column({ type: 'varchar', length: 10 })
  channel: Channel;

  @Field(() => ConsentSource)
  @Column({ type: 'varchar', length: 10 })
  source: ConsentSource;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 200, nullable: true })
  reason: string | null;

  @Field()
  @Column(INSTANT_COLUMN)
  optedOutAt: Date;
}

/** Processing of this end-user's data is restricted (set by identity's privacy requests). */
@Entity('processing_restrictions')
@Index(['tenantId', 'endUserId'], { unique: true })
export class ProcessingRestriction extends TenantOwnedEntity {
  @Column(ID_COLUMN)
  endUserId: string;

  @Column(INSTANT_COLUMN)
  restrictedAt: Date;
}
