import { Column, Entity, Index } from 'typeorm';
import { ID_COLUMN, TenantOwnedEntity } from '../tenant-entity';

/**
 * One person's data key (or one anonymous interaction's), wrapped by the tenant's data key. It lives
 * in the key store, never in the data database: deleting this row is what makes every copy of that
 * person's ciphertexts unreadable (crypto-shredding).
 */
@Entity('subject_keys')
@Index(['tenantId', 'subjectId'], { unique: true })
export class SubjectKey extends TenantOwnedEntity {
  /** The end-user's id (or, for an interaction with no end-user, the interaction's). */
  @Column(ID_COLUMN)
  subjectId: string;

  @Column({ type: 'varchar', length: 200 })
  wrappedKey: string;
}
