import { Column, CreateDateColumn, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';

/** Time-ordered ids: keyset pagination by id follows creation order. */
export const newId = (): string => uuidv7();

export const ID_COLUMN = { type: 'varchar', length: 36 } as const;

/**
 * Every instant a client or a service sets: milliseconds kept (a bare MySQL DATETIME drops them).
 * Inputs are held to the column's years 1000-9999 by the DateTimeISO scalar (MySQL reads year 0001
 * back as 2001). Created/updated stamps keep TypeORM's DATETIME(6).
 */
export const INSTANT_COLUMN = { type: 'datetime', precision: 3 } as const;

/**
 * Base of every tenant-owned table: a non-null tenantId and an index led by it. Rows are reached
 * only through TenantRepository, which fixes tenantId on every read and write.
 */
@Index(['tenantId', 'id'])
export abstract class TenantOwnedEntity {
  @PrimaryColumn(ID_COLUMN)
  id: string;

  @Column(ID_COLUMN)
  tenantId: string;

  @CreateDateColumn()
  createdAt: Date;

  @UpdateDateColumn()
  updatedAt: Date;
}
