import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { BeforeInsert, BeforeUpdate, Column, Entity, Index } from 'typeorm';
import { ID_COLUMN, TenantOwnedEntity, INSTANT_COLUMN } from '../../kit/tenant-entity';
import { Channel } from '../../kit/channel';

export { Channel };

export enum Direction {
  INBOUND = 'INBOUND',
  OUTBOUND = 'OUTBOUND',
}
registerEnumType(Direction, { name: 'Direction' });

@Directive('@key(fields: "id")')
@ObjectType({ description: 'One contact between the tenant and an end-user on one channel.' })
@Entity('interactions')
@Index(['tenantId', 'endUserId', 'id'])
@Index(['tenantId', 'startedDay'])
export class Interaction extends TenantOwnedEntity {
  @Field(() => ID)
  declare id: string;

  @Field(() => ID, { nullable: true, description: 'The end-user, when known.' })
  @Column({ ...ID_COLUMN, nullable: true })
  endUserId: string | null;

  @Field(() => Channel)
  @Column({ type: 'varchar', length: 10 })
  channel: Channel;

  @Field(() => Direction)
  @Column({ type: 'varchar', length: 10 })
  direction: Direction;

  @Field()
  @Column(INSTANT_COLUMN)
  startedAt: Date;

  @Field(() => Date, { nullable: true })
  @Column({ ...INSTANT_COLUMN, nullable: true })
  endedAt: Date | null;

  @Field(() => String, { nullable: true, description: 'Operator who handled it.' })
  @Column({ type: 'varchar', length: 200, nullable: true })
  agentId: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 100, nullable: true })
  queue: string | null;

  @Field(() => String, { nullable: true, description: 'Outcome code, e.g. RESOLVED or CALLBACK.' })
  @Column({ type: 'varchar', length: 100, nullable: true })
  disposition: string | null;

  @Field(() => Int, { nullable: true, description: 'Seconds from start to end; null while it is open.' })
  @Column({ type: 'int', nullable: true })
  handleSeconds: number | null;

  /**
   * UTC day of startedAt (YYYY-MM-DD): metrics bucket by it the same way on every database. The
   * default only lets a schema update add the column to existing rows; the MySQL migration fills them.
   */
  @Column({ type: 'varchar', length: 10, default: '' })
  startedDay: string;

  @Field()
  declare createdAt: Date;

  @BeforeInsert()
  @BeforeUpdate()
  derive(): void {
    this.startedDay = this.startedAt.toISOString().slice(0, 10);
    this.handleSeconds = this.endedAt ? Math.round((this.endedAt.getTime() - this.startedAt.getTime()) / 1000) : null;
  }
}
