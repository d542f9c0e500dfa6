import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index } from 'typeorm';
import { ID_COLUMN, TenantOwnedEntity } from '../../shared/tenant-entity';

export enum AuditAction {
  CREATE = 'CREATE',
  UPDATE = 'UPDATE',
  /** Sensitive fields returned whole (the caller held pii:read). */
  READ_SENSITIVE = 'READ_SENSITIVE',
  /** Sensitive fields asked for and returned masked. */
  READ_SENSITIVE_MASKED = 'READ_SENSITIVE_MASKED',
}
registerEnumType(AuditAction, { name: 'AuditAction' });

/** Append-only: written by AuditService, never updated or deleted. Field names only, never values. */
@ObjectType({ description: 'Who did what to an end-user’s data, when and from where. Field names only, never values.' })
@Entity('audit_events')
@Index(['tenantId', 'endUserId', 'id'])
export class AuditEvent extends TenantOwnedEntity {
  @Field(() => ID)
  declare id: string;

  @Field({ description: 'When it happened.' })
  declare createdAt: Date;

  @Field(() => AuditAction)
  @Column({ type: 'varchar', length: 30 })
  action: AuditAction;

  @Field(() => ID)
  @Column(ID_COLUMN)
  endUserId: string;

  @Field(() => [String])
  @Column({ type: 'simple-json' })
  fields: string[];

  @Field({ description: 'kind:id of the operator or API client.' })
  @Column({ type: 'varchar', length: 250 })
  actor: string;

  @Field()
  @Column({ type: 'varchar', length: 45 })
  clientIp: string;

  @Field()
  @Column({ type: 'varchar', length: 64 })
  requestId: string;
}
