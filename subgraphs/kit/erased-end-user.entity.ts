import { createHash } from 'node:crypto';
import { Column, Entity, Index } from 'typeorm';
import { TenantOwnedEntity } from './tenant-entity';

/**
 * A subgraph's own record that an end-user was erased here: written in the erasure's transaction
 * and read (locking) inside every write naming an end-user, so no write can land after the erasure.
 * It keeps a hash of the id, not the id, so nothing left names the person.
 */
@Entity('erased_end_users')
@Index(['tenantId', 'endUserHash'], { unique: true })
export class ErasedEndUser extends TenantOwnedEntity {
  @Column({ type: 'varchar', length: 64 })
  endUserHash: string;
}

/** Ids are random (UUIDv7, 74 random bits), so the hash cannot be turned back into one by guessing. */
export const erasedEndUserHash = (tenantId: string, endUserId: string): string =>
  createHash('sha256').update(`erased-end-user\0${tenantId}\0${endUserId}`).digest('hex');
