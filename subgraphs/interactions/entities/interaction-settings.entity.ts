import { Field, Int, ObjectType } from 'type-graphql';
import { Column, Entity, Index } from 'typeorm';
import { TenantOwnedEntity } from '../../kit/tenant-entity';

export const DEFAULT_MIN_GROUP_SIZE = 11;
/** No tenant may report groups smaller than this, whatever it configures. */
export const MIN_GROUP_SIZE_FLOOR = 5;
export const MAX_MIN_GROUP_SIZE = 1000;
export const DEFAULT_RETENTION_DAYS = 365;
export const MAX_RETENTION_DAYS = 3650;

@ObjectType({ description: 'A pattern redacted from transcript text at ingest.' })
export class RedactionPatternSetting {
  @Field({ description: 'Shown in the text in place of a match, e.g. [MEMBER_ID REDACTED].' })
  name: string;

  @Field({ description: 'A regular expression, matched case-insensitively.' })
  pattern: string;
}

/** One row per tenant; absent means the defaults. */
@ObjectType({ description: 'How this tenant’s interactions are reported, redacted and retained.' })
@Entity('interaction_settings')
@Index(['tenantId'], { unique: true })
export class InteractionSettings extends TenantOwnedEntity {
  @Field(() => Int, { description: `Metrics groups with fewer distinct callers are suppressed (at least ${MIN_GROUP_SIZE_FLOOR}).` })
  @Column({ type: 'int', default: DEFAULT_MIN_GROUP_SIZE })
  minGroupSize: number;

  @Field(() => Int, { description: 'Transcripts are purged this many days after their interaction ended.' })
  @Column({ type: 'int', default: DEFAULT_RETENTION_DAYS })
  transcriptRetentionDays: number;

  @Field(() => [RedactionPatternSetting])
  @Column({ type: 'simple-json' })
  redactionPatterns: RedactionPatternSetting[];
}
