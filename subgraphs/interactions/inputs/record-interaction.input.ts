import { Field, ID, InputType, Int } from 'type-graphql';
import { ArrayMaxSize, IsOptional, Length, Min, ValidateNested } from 'class-validator';
import { Channel, Direction } from '../entities/interaction.entity';
import { Speaker } from '../entities/transcript-segment.entity';

@InputType()
export class TranscriptSegmentInput {
  @Field(() => Int, { description: 'Position in the transcript, from 1.' })
  @Min(1)
  sequence: number;

  @Field(() => Speaker)
  speaker: Speaker;

  @Field()
  @Length(1, 20_000)
  text: string;

  @Field({ nullable: true, description: 'Defaults to now.' })
  occurredAt?: Date;
}

@InputType()
export class RecordInteractionInput {
  @Field(() => ID, { nullable: true })
  endUserId?: string | null;

  @Field(() => Channel)
  channel: Channel;

  @Field(() => Direction)
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

  @Field(() => [TranscriptSegmentInput], { defaultValue: [] })
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  transcript: TranscriptSegmentInput[];
}
