import { Column, Entity, Index } from 'typeorm';
import { TenantOwnedEntity } from '../../kit/tenant-entity';
import type { Channel } from '../../kit/channel';

const WHOLE_NUMBER = { to: (value: number) => value, from: (value: string | number) => Number(value) };

/**
 * One released finest cell (day × channel × queue) holding only noisy figures: the exact counts are
 * never stored. Queue null is the bucket of interactions with no queue or a queue not named that day.
 */
@Entity('metric_cells')
@Index(['tenantId', 'day'])
export class MetricCell extends TenantOwnedEntity {
  @Column({ type: 'varchar', length: 10 })
  day: string;

  @Column({ type: 'varchar', length: 10 })
  channel: Channel;

  @Column({ type: 'varchar', length: 100, nullable: true })
  queue: string | null;

  @Column({ type: 'int' })
  interactions: number;

  @Column({ type: 'int' })
  distinctCallers: number;

  @Column({ type: 'int' })
  handledInteractions: number;

  @Column({ type: 'bigint', transformer: WHOLE_NUMBER })
  totalHandleSeconds: number;
}
