import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Channel } from '../../kit/channel';
import { MetricMeasure } from '../services/metrics-noise';

export enum MetricDimension {
  DAY = 'DAY',
  CHANNEL = 'CHANNEL',
  QUEUE = 'QUEUE',
}
registerEnumType(MetricDimension, { name: 'MetricDimension', description: 'What interaction metrics are grouped by (DAY is the UTC day started).' });
registerEnumType(MetricMeasure, { name: 'MetricMeasure', description: 'A noisy measure of interaction metrics (QUEUE_SELECTION decides which queues are named).' });

@ObjectType({ description: 'One group: sums of noisy day × channel × queue cells (unbiased, so a near-empty figure may be negative); fields of dimensions not grouped by are null.' })
export class InteractionMetricGroup {
  @Field(() => String, { nullable: true, description: 'UTC day, YYYY-MM-DD.' })
  day: string | null;

  @Field(() => Channel, { nullable: true })
  channel: Channel | null;

  @Field(() => String, { nullable: true, description: 'Null for interactions with no queue, and for queues with too few callers that day to be named.' })
  queue: string | null;

  @Field(() => Int, { description: 'Noisy.' })
  interactions: number;

  @Field(() => Int, { description: 'Noisy: distinct end-users per day × channel × queue cell, summed over the group’s cells; an interaction with no known end-user counts as one.' })
  distinctCallers: number;

  @Field(() => Int, { description: 'Noisy: interactions that had ended when the day was released, over which handle time is measured.' })
  handledInteractions: number;

  @Field(() => Int, { description: 'Noisy; each interaction counts at most handleSecondsCap.' })
  totalHandleSeconds: number;

  @Field(() => Float, { nullable: true, description: 'totalHandleSeconds (0 if negative) / handledInteractions, both noisy; null unless handledInteractions is positive.' })
  averageHandleSeconds: number | null;

  @Field(() => Int, { description: 'Noisy cells summed: a figure’s noise has standard deviation √cells × its standardDeviationPerCell.' })
  cells: number;
}

@ObjectType({ description: 'The noise of one measure in each cell.' })
export class MetricNoise {
  @Field(() => MetricMeasure)
  measure: MetricMeasure;

  @Field(() => Float, { description: 'Privacy loss this measure may cause per end-user and UTC day.' })
  epsilon: number;

  @Field(() => Int, { description: 'Most one end-user’s day can change the measure, over all of that day’s cells.' })
  sensitivity: number;

  @Field(() => Float)
  standardDeviationPerCell: number;
}

@ObjectType({ description: 'The guarantee behind every figure: (epsilonPerDay, delta)-differential privacy per end-user and UTC day, whatever and however often is asked.' })
export class MetricsPrivacy {
  @Field(() => Float)
  epsilonPerDay: number;

  @Field(() => Float)
  delta: number;

  @Field(() => Int, { description: 'Interactions of one end-user on one day that count (earliest first).' })
  maxInteractionsPerCallerDay: number;

  @Field(() => Int, { description: 'Handle seconds counted per interaction at most.' })
  handleSecondsCap: number;

  @Field(() => Int, { description: 'Noisy callers a queue needs in a day × channel cell to be named; below, it is counted under queue null.' })
  namedQueueMinCallers: number;

  @Field(() => [MetricNoise])
  noise: MetricNoise[];
}

@ObjectType({ description: 'Anonymous interaction metrics: noisy sums of cells released once per UTC day; groups whose noisy callers are below the minimum size are left out.' })
export class InteractionMetrics {
  @Field()
  from: string;

  @Field()
  to: string;

  @Field(() => [MetricDimension])
  groupBy: MetricDimension[];

  @Field(() => Int, { description: 'Groups with fewer (noisy) distinct callers than this are suppressed.' })
  minGroupSize: number;

  @Field(() => [InteractionMetricGroup], { description: `In day, channel, queue order; at most 5,000.` })
  groups: InteractionMetricGroup[];

  @Field(() => Int, { description: 'How many groups were left out as too small (never their counts).' })
  suppressedGroups: number;

  @Field(() => Int, { description: 'Days of the range counted: released, fixed from then on.' })
  releasedDays: number;

  @Field(() => Int, { description: 'Days of the range not over yet (released from 01:00 UTC the next day): not counted.' })
  pendingDays: number;

  @Field(() => MetricsPrivacy)
  privacy: MetricsPrivacy;
}
