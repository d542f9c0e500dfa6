import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index } from 'typeorm';
import { ID_COLUMN, TenantOwnedEntity, INSTANT_COLUMN } from '../../kit/tenant-entity';

export enum PrivacyRequestKind {
  /** A machine-readable export of everything held about the person. */
  ACCESS = 'ACCESS',
  /** Corrected fields applied here and passed on to linked CRMs. */
  RECTIFICATION = 'RECTIFICATION',
  /** Everything about the person removed from every subgraph and linked CRM. */
  ERASURE = 'ERASURE',
  /** No processing until lifted: no contact, no sync, no updates; reads by privacy officers only. */
  RESTRICTION = 'RESTRICTION',
  /** The person objects to being contacted: every channel opted out. */
  OBJECTION = 'OBJECTION',
}
registerEnumType(PrivacyRequestKind, { name: 'PrivacyRequestKind' });

export enum PrivacyRequestStatus {
  /** Some targets are not done yet; failed ones are retried. */
  IN_PROGRESS = 'IN_PROGRESS',
  COMPLETED = 'COMPLETED',
}
registerEnumType(PrivacyRequestStatus, { name: 'PrivacyRequestStatus' });

export enum PrivacyTaskStatus {
  PENDING = 'PENDING',
  DONE = 'DONE',
  /** The last attempt failed; it is tried again at `nextAttemptAt`. */
  FAILED = 'FAILED',
}
registerEnumType(PrivacyTaskStatus, { name: 'PrivacyTaskStatus' });

/**
 * A data subject's request, carried out by the privacy officer's tenant across every store. After
 * an erasure the row stays as its tombstone: the request id, kind and times, with the person's id
 * removed, so the erasure itself can be proven without keeping any personal data.
 */
@ObjectType({ description: 'A privacy request (access, rectification, erasure, restriction, objection) and its progress.' })
@Entity('privacy_requests')
@Index(['tenantId', 'status', 'id'])
@Index(['tenantId', 'endUserId', 'id'])
export class PrivacyRequest extends TenantOwnedEntity {
  @Field(() => ID)
  declare id: string;

  @Field(() => PrivacyRequestKind)
  @Column({ type: 'varchar', length: 20 })
  kind: PrivacyRequestKind;

  @Field(() => ID, { nullable: true, description: 'The person; null once they have been erased.' })
  @Column({ ...ID_COLUMN, nullable: true })
  endUserId: string | null;

  @Field(() => PrivacyRequestStatus)
  @Column({ type: 'varchar', length: 20 })
  status: PrivacyRequestStatus;

  @Field({ description: 'When the request must be completed (30 days after it was received, unless given).' })
  @Column(INSTANT_COLUMN)
  dueAt: Date;

  @Field({ description: 'kind:id of the privacy officer who recorded it.' })
  @Column({ type: 'varchar', length: 250 })
  requestedBy: string;

  @Field(() => Date, { nullable: true })
  @Column({ ...INSTANT_COLUMN, nullable: true })
  completedAt: Date | null;

  /** Rectification's corrected fields, encrypted under the tenant's key until done; then cleared. */
  @Column({ type: 'text', nullable: true })
  detailsEncrypted: string | null;

  @Field()
  declare createdAt: Date;
}

/** One target of a request: a subgraph, or the linked CRMs. */
@ObjectType({ description: 'Progress of a privacy request at one target.' })
@Entity('privacy_tasks')
@Index(['tenantId', 'requestId', 'id'])
@Index(['status', 'nextAttemptAt'])
export class PrivacyTask extends TenantOwnedEntity {
  @Field(() => ID)
  declare id: string;

  @Field(() => ID)
  @Column(ID_COLUMN)
  requestId: string;

  @Field({ description: 'identity, interactions, consent or crm (every linked CRM).' })
  @Column({ type: 'varchar', length: 40 })
  target: string;

  @Field(() => PrivacyTaskStatus)
  @Column({ type: 'varchar', length: 10 })
  status: PrivacyTaskStatus;

  @Field(() => Int)
  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed (no personal data).' })
  @Column({ type: 'varchar', length: 300, nullable: true })
  lastError: string | null;

  @Field(() => Date, { nullable: true })
  @Column({ ...INSTANT_COLUMN, nullable: true })
  nextAttemptAt: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ ...INSTANT_COLUMN, nullable: true })
  doneAt: Date | null;
}
