import { Field, ID, InputType, Int } from 'type-graphql';
import { ArrayMaxSize, IsOptional, Length, Min, ValidateNested } from 'class-validator';
import { Channel, Direction } from '../entities/interaction.entity';
import { Speaker } from '../entities/transcript-segment.entity';

export const MAX_TEXT_LENGTH = 20_000;
export const MAX_INITIAL_SEGMENTS = 500;
export const MAX_APPENDED_SEGMENTS = 200;

@InputType()
export class TranscriptSegmentInput {
  @Field(() => Int, { description: 'Position in the transcript, from 1.' })
  @Min(1)
  sequence: number;

  @Field(() => Speaker)
  speaker: Speaker;

  @Field({ description: `Up to ${MAX_TEXT_LENGTH} characters; SSNs, card numbers and the tenant’s patterns are redacted before storage.` })
  @Length(1, MAX_TEXT_LENGTH)
  text: string;

  @Field({ nullable: true, description: 'Defaults to now.' })
  occurredAt?: Date;
}

@InputType()
export class RecordInteractionInput {
  @Field(() => ID, { nullable: true, description: 'Required for OUTBOUND: the end-user contacted.' })
  endUserId?: string | null;

  @Field(() => Channel)
  channel: Channel;

  @Field(() => Direction, { description: 'OUTBOUND is refused when the end-user opted out of the channel or their processing is restricted.' })
  direction: Direction;

  @Field({ nullable: true, description: 'Defaults to now.' })
  startedAt?: Date;

  @Field(() => Date, { nullable: true })
  endedAt?: Date | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 200)
  agentId?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 100)
  queue?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 100)
  disposition?: string | null;

  @Field(() => [TranscriptSegmentInput], { defaultValue: [], description: `Up to ${MAX_INITIAL_SEGMENTS} segments.` })
  @ArrayMaxSize(MAX_INITIAL_SEGMENTS)
  @ValidateNested({ each: true })
  transcript: TranscriptSegmentInput[];
}

@InputType()
export class EndInteractionInput {
  @Field({ nullable: true, description: 'Defaults to now.' })
  endedAt?: Date;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 100)
  disposition?: string | null;
}
