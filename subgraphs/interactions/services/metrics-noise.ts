import { createHmac } from 'node:crypto';

/**
 * The differential-privacy mechanism behind interaction metrics. The unit protected is one
 * end-user's interactions on one UTC day (an interaction with no known end-user is a person of its
 * own). Every published figure is a sum of finest cells (day × channel × queue), each cell released
 * once with two-sided geometric (discrete Laplace) noise whose bits come from HMAC-SHA256 under the
 * tenant's metrics key and the cell's identity: asking again, or through another grouping or range,
 * meets the same noise, so neither repetition nor differencing averages it away.
 */

export enum MetricMeasure {
  /** A separate draw that decides whether a queue is named in a cell (partition selection); never published. */
  QUEUE_SELECTION = 'QUEUE_SELECTION',
  DISTINCT_CALLERS = 'DISTINCT_CALLERS',
  INTERACTIONS = 'INTERACTIONS',
  HANDLED_INTERACTIONS = 'HANDLED_INTERACTIONS',
  TOTAL_HANDLE_SECONDS = 'TOTAL_HANDLE_SECONDS',
}

/** Interactions of one end-user on one day that count (earliest first); the rest are left out. */
export const MAX_INTERACTIONS_PER_CALLER_DAY = 2;
/** Handle time counted per interaction at most; longer ones count as this. */
export const HANDLE_SECONDS_CAP = 1800;
/** Probability bound on a queue being named because of one person alone. */
export const DELTA_PER_DAY = 1e-6;

export interface MeasureBudget {
  epsilon: number;
  /** How much one person's day can change the measure, summed over all cells of that day. */
  sensitivity: number;
}

const C = MAX_INTERACTIONS_PER_CALLER_DAY;
export const BUDGET: Record<MetricMeasure, MeasureBudget> = {
  [MetricMeasure.QUEUE_SELECTION]: { epsilon: 0.5, sensitivity: C },
  [MetricMeasure.DISTINCT_CALLERS]: { epsilon: 0.4, sensitivity: C },
  [MetricMeasure.INTERACTIONS]: { epsilon: 0.4, sensitivity: C },
  [MetricMeasure.HANDLED_INTERACTIONS]: { epsilon: 0.2, sensitivity: C },
  [MetricMeasure.TOTAL_HANDLE_SECONDS]: { epsilon: 0.5, sensitivity: C * HANDLE_SECONDS_CAP },
};

/** Basic composition over the measures: what one person's day can cost, whatever is asked. */
export const EPSILON_PER_DAY = Math.round(Object.values(BUDGET).reduce((sum, { epsilon }) => sum + epsilon, 0) * 1e9) / 1e9;

/** Rate of the noise: P(noise = z) is proportional to exp(-rate·|z|). */
export const noiseRate = (measure: MetricMeasure): number => BUDGET[measure].epsilon / BUDGET[measure].sensitivity;

export function standardDeviation(measure: MetricMeasure): number {
  const alpha = Math.exp(-noiseRate(measure));
  return Math.sqrt(2 * alpha) / (1 - alpha);
}

/**
 * The smallest noisy caller count at which a queue is named in a cell. A person alone adds one
 * caller to at most C cells; each is named with probability α^(τ-1)/(1+α), so all of them with at
 * most δ. Below it, the queue's interactions go to the cell's "other queues" bucket, whose
 * identity (day, channel) does not depend on the data.
 */
export const NAMED_QUEUE_MIN_CALLERS = (() => {
  const alpha = Math.exp(-noiseRate(MetricMeasure.QUEUE_SELECTION));
  return 1 + Math.ceil(Math.log(C / (DELTA_PER_DAY * (1 + alpha))) / noiseRate(MetricMeasure.QUEUE_SELECTION));
})();

/** A finest cell; queue null is the bucket of interactions with no queue or one not named that day. */
export interface CellIdentity {
  day: string;
  channel: string;
  queue: string | null;
}

/** The noise of one measure of one cell: a pure function of the tenant's key and the cell, never of the data. */
export function cellNoise(key: Buffer, cell: CellIdentity, measure: MetricMeasure): number {
  const digest = createHmac('sha256', key).update(JSON.stringify(['metrics-v1', cell.day, cell.channel, cell.queue, measure])).digest();
  const rate = noiseRate(measure);
  // Difference of two geometric variables with P(G >= k) = exp(-rate·k): discrete Laplace, integer-valued.
  return geometric(uniform(digest, 0), rate) - geometric(uniform(digest, 8), rate);
}

/** 53 bits of the digest as a uniform in (0, 1), never 0 or 1. */
function uniform(digest: Buffer, offset: number): number {
  const bits = digest.readUInt32BE(offset) * 2 ** 21 + (digest.readUInt32BE(offset + 4) >>> 11);
  return (bits + 0.5) / 2 ** 53;
}

function geometric(u: number, rate: number): number {
  return Math.floor(-Math.log(u) / rate);
}
