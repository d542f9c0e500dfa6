import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index } from 'typeorm';
import { ID_COLUMN, TenantOwnedEntity, INSTANT_COLUMN } from '../../kit/tenant-entity';

/** While an active hold exists, the person's data must not be erased. */
@ObjectType({ description: 'A legal hold on an end-user’s data: erasure is refused while it is active.' })
@Entity('legal_holds')
@Index(['tenantId', 'endUserId', 'id'])
export class LegalHold extends TenantOwnedEntity {
  @Field(() => ID)
  declare id: string;

  @Field(() => ID, { nullable: true, description: 'Null once the person has been erased (after the hold was released).' })
  @Column({ ...ID_COLUMN, nullable: true })
  endUserId: string | null;

  @Field({ description: 'Matter or case the hold is for.' })
  @Column({ type: 'varchar', length: 300 })
  reason: string;

  @Field(() => String, { nullable: true, description: 'Court, case or ticket reference.' })
  @Column({ type: 'varchar', length: 200, nullable: true })
  reference: string | null;

  @Field()
  @Column({ type: 'varchar', length: 250 })
  placedBy: string;

  @Field()
  declare createdAt: Date;

  @Field(() => Date, { nullable: true })
  @Column({ ...INSTANT_COLUMN, nullable: true })
  releasedAt: Date | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 250, nullable: true })
  releasedBy: string | null;
}
