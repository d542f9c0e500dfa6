import { Column, Entity, Index } from 'typeorm';
import { TenantOwnedEntity } from '../../kit/tenant-entity';

/**
 * The privacy ledger: a tenant's UTC day whose metrics have been released, with what it cost. One
 * row per day, unique, never deleted: a day is released (its noise spent) once, and every later
 * answer reads the same cells.
 */
@Entity('metric_releases')
@Index(['tenantId', 'day'], { unique: true })
export class MetricRelease extends TenantOwnedEntity {
  @Column({ type: 'varchar', length: 10 })
  day: string;

  @Column({ type: 'double' })
  epsilon: number;

  @Column({ type: 'double' })
  delta: number;

  /** Finest cells that held interactions when the day was released (noise-only cells are not stored). */
  @Column({ type: 'int' })
  cells: number;
}
