import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index } from 'typeorm';
import { ID_COLUMN, TenantOwnedEntity, INSTANT_COLUMN } from '../../kit/tenant-entity';

export enum Speaker {
  AGENT = 'AGENT',
  END_USER = 'END_USER',
  BOT = 'BOT',
  SYSTEM = 'SYSTEM',
}
registerEnumType(Speaker, { name: 'Speaker' });

@ObjectType({ description: 'One utterance or message of a transcript, in order.' })
@Entity('transcript_segments')
@Index(['tenantId', 'interactionId', 'sequence'], { unique: true })
export class TranscriptSegment extends TenantOwnedEntity {
  @Column(ID_COLUMN)
  interactionId: string;

  @Field(() => Int, { description: 'Position in the transcript, from 1.' })
  @Column({ type: 'int' })
  sequence: number;

  @Field(() => Speaker)
  @Column({ type: 'varchar', length: 10 })
  speaker: Speaker;

  /** Redacted at ingest and decrypted on read (see transcript-cipher.ts); not a column. */
  @Field({ description: 'As stored: redacted at ingest.' })
  text: string;

  /** The redacted text under the person's key (or the interaction's own, with no end-user). */
  @Column({ type: 'text', nullable: true })
  textEncrypted: string | null;

  /** Text stored in clear before per-person keys; read until the backfill moves it (keys:rotate). */
  @Column({ name: 'text', type: 'text', nullable: true })
  legacyText: string | null;

  @Field()
  @Column(INSTANT_COLUMN)
  occurredAt: Date;

  @Column({ type: 'int', default: 0 })
  ssnRedactions: number;

  @Column({ type: 'int', default: 0 })
  cardRedactions: number;

  @Column({ type: 'int', default: 0 })
  patternRedactions: number;
}

@ObjectType({ description: 'What was redacted from a segment before it was stored; the original is not kept.' })
export class Redactions {
  @Field(() => Int)
  total: number;

  @Field(() => Int, { description: 'Social security numbers.' })
  ssn: number;

  @Field(() => Int, { description: 'Payment card numbers (Luhn-checked).' })
  paymentCard: number;

  @Field(() => Int, { description: 'Matches of the tenant’s configured patterns.' })
  pattern: number;
}
