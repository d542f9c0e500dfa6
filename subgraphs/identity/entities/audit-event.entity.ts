import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index } from 'typeorm';
import { ID_COLUMN, TenantOwnedEntity } from '../../kit/tenant-entity';

export enum AuditAction {
  CREATE = 'CREATE',
  UPDATE = 'UPDATE',
  /** Sensitive fields returned whole (the caller held pii:read). */
  READ_SENSITIVE = 'READ_SENSITIVE',
  /** Sensitive fields asked for and returned masked. */
  READ_SENSITIVE_MASKED = 'READ_SENSITIVE_MASKED',
  PRIVACY_REQUEST_CREATED = 'PRIVACY_REQUEST_CREATED',
  PRIVACY_REQUEST_COMPLETED = 'PRIVACY_REQUEST_COMPLETED',
  /** The person's data was erased everywhere; the entry keeps the request id, not the person. */
  ERASED = 'ERASED',
  RESTRICTED = 'RESTRICTED',
  RESTRICTION_LIFTED = 'RESTRICTION_LIFTED',
  LEGAL_HOLD_PLACED = 'LEGAL_HOLD_PLACED',
  LEGAL_HOLD_RELEASED = 'LEGAL_HOLD_RELEASED',
  DISCLOSURE_RECORDED = 'DISCLOSURE_RECORDED',
  ACCESS_EXPORTED = 'ACCESS_EXPORTED',
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

  @Field(() => ID, { nullable: true, description: 'The end-user; null once they have been erased.' })
  @Column({ ...ID_COLUMN, nullable: true })
  endUserId: string | null;

  @Field(() => ID, { nullable: true, description: 'The privacy request, legal hold or disclosure the entry is about.' })
  @Column({ ...ID_COLUMN, nullable: true })
  reference: string | null;

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
