import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import { ID_COLUMN, TenantOwnedEntity, INSTANT_COLUMN } from '../../kit/tenant-entity';

export enum PolicyScope {
  PLATFORM = 'PLATFORM',
  TENANT = 'TENANT',
}
registerEnumType(PolicyScope, {
  name: 'PolicyScope',
  description: 'PLATFORM: the platform’s own policy towards tenants; TENANT: a tenant’s privacy notice to its end-users.',
});

/** The fields every policy version has, whoever publishes it. */
export interface PolicyVersionFields {
  id: string;
  version: string;
  publishedAt: Date;
  effectiveAt: Date;
  summary: string;
  material: boolean;
}

@ObjectType({ description: 'A published version of the tenant’s privacy notice.' })
@Entity('policy_versions')
@Index(['tenantId', 'version'], { unique: true })
@Index(['tenantId', 'effectiveAt'])
export class PolicyVersion extends TenantOwnedEntity implements PolicyVersionFields {
  @Field(() => ID)
  declare id: string;

  @Field({ description: 'Version label, e.g. "2026-11".' })
  @Column({ type: 'varchar', length: 40 })
  version: string;

  @Field()
  @Column(INSTANT_COLUMN)
  publishedAt: Date;

  @Field()
  @Column(INSTANT_COLUMN)
  effectiveAt: Date;

  @Field()
  @Column({ type: 'text' })
  summary: string;

  @Field({ description: 'A material change needs advance notice and renewed consent.' })
  @Column({ type: 'boolean', default: false })
  material: boolean;
}

/** The platform's policy towards its tenants: platform-level, so not tenant-owned. */
@ObjectType({ description: 'A published version of the platform’s policy towards tenants.' })
@Entity('platform_policy_versions')
export class PlatformPolicyVersion implements PolicyVersionFields {
  @Field(() => ID)
  @PrimaryColumn(ID_COLUMN)
  id: string;

  @Field({ description: 'Version label, e.g. "2026-11".' })
  @Column({ type: 'varchar', length: 40, unique: true })
  version: string;

  @Field()
  @Column(INSTANT_COLUMN)
  publishedAt: Date;

  @Field()
  @Column(INSTANT_COLUMN)
  effectiveAt: Date;

  @Field()
  @Column({ type: 'text' })
  summary: string;

  @Field({ description: 'A material change needs advance notice.' })
  @Column({ type: 'boolean', default: false })
  material: boolean;

  @CreateDateColumn()
  createdAt: Date;
}
