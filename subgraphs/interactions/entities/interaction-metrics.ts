import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Channel } from '../../shared/channel';

export enum MetricDimension {
  DAY = 'DAY',
  CHANNEL = 'CHANNEL',
  QUEUE = 'QUEUE',
}
registerEnumType(MetricDimension, { name: 'MetricDimension', description: 'What interaction metrics are grouped by (DAY is the UTC day started).' });

@ObjectType({ description: 'One group of interactions; fields of dimensions not grouped by are null.' })
export class InteractionMetricGroup {
  @Field(() => String, { nullable: true, description: 'UTC day, YYYY-MM-DD.' })
  day: string | null;

  @Field(() => Channel, { nullable: true })
  channel: Channel | null;

  @Field(() => String, { nullable: true, description: 'Null also for interactions with no queue.' })
  queue: string | null;

  @Field(() => Int)
  interactions: number;

  @Field(() => Int, { description: 'Distinct end-users; an interaction with no known end-user counts as one.' })
  distinctCallers: number;

  @Field(() => Int, { description: 'Interactions that have ended, over which handle time is measured.' })
  handledInteractions: number;

  @Field(() => Int)
  totalHandleSeconds: number;

  @Field(() => Float, { nullable: true })
  averageHandleSeconds: number | null;
}

@ObjectType({ description: 'Anonymous, aggregated interaction metrics: groups below the minimum size are left out.' })
export class InteractionMetrics {
  @Field()
  from: string;

  @Field()
  to: string;

  @Field(() => [MetricDimension])
  groupBy: MetricDimension[];

  @Field(() => Int, { description: 'Groups with fewer distinct callers than this are suppressed.' })
  minGroupSize: number;

  @Field(() => [InteractionMetricGroup], { description: `In day, channel, queue order; at most 5,000.` })
  groups: InteractionMetricGroup[];

  @Field(() => Int, { description: 'How many groups were left out as too small (never their counts).' })
  suppressedGroups: number;
}
