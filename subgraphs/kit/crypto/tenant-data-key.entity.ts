import { Column, Entity, Index } from 'typeorm';
import { TenantOwnedEntity } from '../tenant-entity';

export enum DataKeyPurpose {
  /** Encrypts field values. */
  DATA = 'data',
  /** Keys the blind indexes used for exact-match lookups. */
  INDEX = 'index',
  /** Keys the deterministic noise of published metrics (interactions subgraph). */
  METRICS = 'metrics',
}

/** A tenant's data key, stored only wrapped by a master key; rotation rewrites this row alone. */
@Entity('tenant_data_keys')
@Index(['tenantId', 'purpose'], { unique: true })
export class TenantDataKey extends TenantOwnedEntity {
  @Column({ type: 'varchar', length: 10 })
  purpose: DataKeyPurpose;

  @Column({ type: 'varchar', length: 32 })
  masterKeyId: string;

  @Column({ type: 'varchar', length: 200 })
  wrappedKey: string;
}
