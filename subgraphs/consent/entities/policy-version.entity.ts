import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index } from 'typeorm';
import { TenantOwnedEntity } from '../../shared/tenant-entity';

@ObjectType({ description: 'A published version of the tenant’s privacy notice.' })
@Entity('policy_versions')
@Index(['tenantId', 'version'], { unique: true })
export class PolicyVersion extends TenantOwnedEntity {
  @Field(() => ID)
  declare id: string;

  @Field({ description: 'Version label, e.g. "2026-11".' })
  @Column({ type: 'varchar', length: 40 })
  version: string;

  @Field()
  @Column({ type: 'datetime' })
  publishedAt: Date;

  @Field()
  @Column({ type: 'datetime' })
  effectiveAt: Date;

  @Field()
  @Column({ type: 'text' })
  summary: string;

  @Field({ description: 'A material change needs advance notice and renewed consent.' })
  @Column({ type: 'boolean', default: false })
  material: boolean;
}
