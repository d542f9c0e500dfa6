import { Between } from 'typeorm';
import { badInput } from '../../../platform/errors';
import type { TenantScope } from '../../kit/tenant-repository';
import { Channel } from '../../kit/channel';
import type { Keyring } from '../../kit/crypto/keyring';
import { DataKeyPurpose } from '../../kit/crypto/tenant-data-key.entity';
import { Interaction } from '../entities/interaction.entity';
import { MetricCell } from '../entities/metric-cell.entity';
import { MetricRelease } from '../entities/metric-release.entity';
import {
  MetricDimension,
  type InteractionMetricGroup,
  type InteractionMetrics,
  type MetricsPrivacy,
} from '../entities/interaction-metrics';
import type { InteractionSettingsService } from './interaction-settings.service';
import {
  BUDGET,
  cellNoise,
  DELTA_PER_DAY,
  EPSILON_PER_DAY,
  HANDLE_SECONDS_CAP,
  MAX_INTERACTIONS_PER_CALLER_DAY,
  MetricMeasure,
  NAMED_QUEUE_MIN_CALLERS,
  standardDeviation,
  type CellIdentity,
} from './metrics-noise';
import { isUniqueViolation } from './unique-violation';

export const MAX_RANGE_DAYS = 366;
export const MAX_GROUPS = 5_000;
/** No day before this is released: bounds the ledger a tenant can be made to hold. */
export const FIRST_DAY = '2000-01-01';
/** A day is released once it is over plus this grace for late recordings and endings (01:00 UTC). */
export const RELEASE_GRACE_MS = 3_600_000;

const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const CHANNELS = Object.values(Channel);
const PUBLISHED = [MetricMeasure.DISTINCT_CALLERS, MetricMeasure.INTERACTIONS, MetricMeasure.HANDLED_INTERACTIONS, MetricMeasure.TOTAL_HANDLE_SECONDS] as const;

function parseDay(field: string, value: string): number {
  const time = DAY.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== value) throw badInput(field, 'must be a date, YYYY-MM-DD');
  return time;
}

const dayOf = (time: number) => new Date(time).toISOString().slice(0, 10);

/** Exact figures of one cell, before noise; they never leave this service. */
interface Figures {
  interactions: number;
  distinctCallers: number;
  handledInteractions: number;
  totalHandleSeconds: number;
}

const FIELD: Record<(typeof PUBLISHED)[number], keyof Figures> = {
  [MetricMeasure.DISTINCT_CALLERS]: 'distinctCallers',
  [MetricMeasure.INTERACTIONS]: 'interactions',
  [MetricMeasure.HANDLED_INTERACTIONS]: 'handledInteractions',
  [MetricMeasure.TOTAL_HANDLE_SECONDS]: 'totalHandleSeconds',
};

const ZERO: Figures = { interactions: 0, distinctCallers: 0, handledInteractions: 0, totalHandleSeconds: 0 };

export const METRICS_PRIVACY: MetricsPrivacy = {
  epsilonPerDay: EPSILON_PER_DAY,
  delta: DELTA_PER_DAY,
  maxInteractionsPerCallerDay: MAX_INTERACTIONS_PER_CALLER_DAY,
  handleSecondsCap: HANDLE_SECONDS_CAP,
  namedQueueMinCallers: NAMED_QUEUE_MIN_CALLERS,
  noise: Object.values(MetricMeasure).map((measure) => ({
    measure,
    ...BUDGET[measure],
    standardDeviationPerCell: Math.round(standardDeviation(measure) * 100) / 100,
  })),
};

/**
 * Differentially private interaction metrics (see metrics-noise.ts). Each UTC day is released once,
 * after it is over: its cells are aggregated with each end-user's contribution bounded, noised and
 * stored (noisy figures only), and a ledger row records the privacy it cost. Every answer, for any
 * range and grouping, is a sum of those stored cells and of noise-only cells for the (day, channel)
 * buckets that held nothing: so a difference of answers is itself only a sum of noisy cells, and
 * nothing that changes after the release (late recordings, erasures) can be read off by asking again.
 */
export class MetricsService {
  constructor(
    private readonly scope: TenantScope,
    private readonly keyring: Keyring,
    /** The tenant's settings: the smallest group shown. */
    private readonly settings: InteractionSettingsService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async interactions(from: string, to: string, groupBy: MetricDimension[]): Promise<InteractionMetrics> {
    const start = parseDay('from', from);
    const end = parseDay('to', to);
    if (from < FIRST_DAY) throw badInput('from', `must be ${FIRST_DAY} or later`);
    if (end < start) throw badInput('to', 'must not be before from');
    if ((end - start) / DAY_MS + 1 > MAX_RANGE_DAYS) throw badInput('to', `the range may span at most ${MAX_RANGE_DAYS} days`);
    const dimensions = [...new Set(groupBy)];
    if (dimensions.length !== groupBy.length) throw badInput('groupBy', 'repeats a dimension');

    const lastReleasable = Math.floor((this.now().getTime() - RELEASE_GRACE_MS) / DAY_MS) * DAY_MS - DAY_MS;
    const days: string[] = [];
    for (let time = start; time <= Math.min(end, lastReleasable); time += DAY_MS) days.push(dayOf(time));
    const pendingDays = Math.round((end - start) / DAY_MS) + 1 - days.length;

    const key = await this.keyring.secretFor(this.scope.tenantId, DataKeyPurpose.METRICS);
    await this.ensureReleased(days, key);
    const cells = await this.cells(days, key);

    const { minGroupSize } = await this.settings.get();
    const sums = new Map<string, { identity: CellIdentity; figures: Figures; cells: number }>();
    for (const { identity, figures } of cells) {
      const group = {
        day: dimensions.includes(MetricDimension.DAY) ? identity.day : '',
        channel: dimensions.includes(MetricDimension.CHANNEL) ? identity.channel : '',
        queue: dimensions.includes(MetricDimension.QUEUE) ? identity.queue : null,
      };
      const id = JSON.stringify(group);
      const sum = sums.get(id) ?? { identity: group, figures: { ...ZERO }, cells: 0 };
      for (const field of Object.values(FIELD)) sum.figures[field] += figures[field];
      sum.cells++;
      sums.set(id, sum);
    }
    if (sums.size > MAX_GROUPS) throw badInput('groupBy', `more than ${MAX_GROUPS} groups: narrow the range or group by less`);

    const groups: InteractionMetricGroup[] = [];
    let suppressedGroups = 0;
    for (const { identity, figures, cells: count } of sums.values()) {
      // Unbiased and additive, so sums of groups stay sums of cells: a near-empty figure may be negative.
      const { interactions, distinctCallers, handledInteractions, totalHandleSeconds } = figures;
      // On the noisy figure only: suppression is then post-processing and costs no privacy.
      if (distinctCallers < minGroupSize) {
        suppressedGroups++;
        continue;
      }
      groups.push({
        day: dimensions.includes(MetricDimension.DAY) ? identity.day : null,
        channel: dimensions.includes(MetricDimension.CHANNEL) ? (identity.channel as Channel) : null,
        queue: dimensions.includes(MetricDimension.QUEUE) ? identity.queue : null,
        interactions,
        distinctCallers,
        handledInteractions,
        totalHandleSeconds,
        averageHandleSeconds: handledInteractions > 0 ? Math.round((Math.max(0, totalHandleSeconds) / handledInteractions) * 10) / 10 : null,
        cells: count,
      });
    }
    const order = (g: InteractionMetricGroup) => `${g.day ?? ''}\u0000${g.channel ?? ''}\u0000${g.queue ?? ''}`;
    groups.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
    return { from, to, groupBy: dimensions, minGroupSize, groups, suppressedGroups, releasedDays: days.length, pendingDays, privacy: METRICS_PRIVACY };
  }

  /** Releases the days not released yet; of two requests racing for a day, one releases it. */
  private async ensureReleased(days: string[], key: Buffer, retried = false): Promise<void> {
    if (days.length === 0) return;
    const released = await this.scope.repo(MetricRelease).find({ where: { day: Between(days[0], days[days.length - 1]) }, select: { id: true, day: true } });
    const done = new Set(released.map((row) => row.day));
    const missing = days.filter((day) => !done.has(day));
    if (missing.length === 0) return;
    try {
      await this.release(missing, key);
    } catch (error) {
      if (!retried && (isUniqueViolation(error) || isDeadlock(error))) return this.ensureReleased(days, key, true);
      throw error;
    }
  }

  private async release(days: string[], key: Buffer): Promise<void> {
    const exact = await this.exactCells(days);
    const named = new Map<string, { identity: CellIdentity; figures: Figures }>();
    const buckets = new Map<string, { identity: CellIdentity; figures: Figures }>();
    for (const { identity, figures } of exact) {
      const selection = identity.queue === null ? -Infinity : figures.distinctCallers + cellNoise(key, identity, MetricMeasure.QUEUE_SELECTION);
      if (selection >= NAMED_QUEUE_MIN_CALLERS) {
        named.set(JSON.stringify(identity), { identity, figures });
        continue;
      }
      const bucket: CellIdentity = { day: identity.day, channel: identity.channel, queue: null };
      const id = JSON.stringify(bucket);
      const sum = buckets.get(id) ?? { identity: bucket, figures: { ...ZERO } };
      for (const field of Object.values(FIELD)) sum.figures[field] += figures[field];
      buckets.set(id, sum);
    }
    const released = [...named.values(), ...buckets.values()];
    const perDay = new Map<string, number>();
    for (const { identity } of released) perDay.set(identity.day, (perDay.get(identity.day) ?? 0) + 1);

    await this.scope.transaction(async (scope) => {
      const ledger = scope.repo(MetricRelease);
      // The ledger first: a request racing for the same day fails here, on the unique day, and reads ours.
      await ledger.saveMany(days.map((day) => ledger.create({ day, epsilon: EPSILON_PER_DAY, delta: DELTA_PER_DAY, cells: perDay.get(day) ?? 0 })));
      const cells = scope.repo(MetricCell);
      await cells.saveMany(
        released.map(({ identity, figures }) =>
          cells.create({ day: identity.day, channel: identity.channel as Channel, queue: identity.queue, ...noisy(key, identity, figures) }),
        ),
      );
    });
  }

  /**
   * Exact figures per (day, channel, queue) for the given days, each end-user's day bounded to its
   * first MAX_INTERACTIONS_PER_CALLER_DAY interactions and each handle time to HANDLE_SECONDS_CAP.
   */
  private async exactCells(days: string[]): Promise<{ identity: CellIdentity; figures: Figures }[]> {
    const interactions = this.scope.repo(Interaction);
    const ranked = interactions
      .queryBuilder('ranked')
      .select('ranked.id', 'id')
      .addSelect('ROW_NUMBER() OVER (PARTITION BY COALESCE(ranked.endUserId, ranked.id), ranked.startedDay ORDER BY ranked.startedAt, ranked.id)', 'callerRank')
      .andWhere('ranked.startedDay IN (:...days)', { days });
    // Scoped twice over: the ranked rows come from the tenant-scoped builder, and so do the counted ones.
    const rows = await interactions
      .queryBuilder('i')
      .andWhere(`i.id IN (SELECT kept.id FROM (${ranked.getQuery()}) kept WHERE kept.callerRank <= :perCallerDay)`)
      .setParameters({ ...ranked.getParameters(), scopeTenantId: this.scope.tenantId, perCallerDay: MAX_INTERACTIONS_PER_CALLER_DAY })
      .select('i.startedDay', 'day')
      .addSelect('i.channel', 'channel')
      .addSelect('i.queue', 'queue')
      .addSelect('COUNT(*)', 'interactions')
      .addSelect('COUNT(DISTINCT COALESCE(i.endUserId, i.id))', 'distinctCallers')
      .addSelect('COUNT(i.handleSeconds)', 'handledInteractions')
      .addSelect(`COALESCE(SUM(CASE WHEN i.handleSeconds > ${HANDLE_SECONDS_CAP} THEN ${HANDLE_SECONDS_CAP} WHEN i.handleSeconds < 0 THEN 0 ELSE i.handleSeconds END), 0)`, 'totalHandleSeconds')
      .groupBy('i.startedDay')
      .addGroupBy('i.channel')
      .addGroupBy('i.queue')
      .getRawMany<Record<string, string | number | null>>();
    return rows.map((row) => ({
      identity: { day: String(row.day), channel: String(row.channel), queue: row.queue === null ? null : String(row.queue) },
      figures: {
        interactions: Number(row.interactions),
        distinctCallers: Number(row.distinctCallers),
        handledInteractions: Number(row.handledInteractions),
        totalHandleSeconds: Number(row.totalHandleSeconds),
      },
    }));
  }

  /** Every released cell of the days: stored ones, and noise alone for (day, channel) buckets that held nothing. */
  private async cells(days: string[], key: Buffer): Promise<{ identity: CellIdentity; figures: Figures }[]> {
    if (days.length === 0) return [];
    const stored = await this.scope.repo(MetricCell).find({ where: { day: Between(days[0], days[days.length - 1]) } });
    const cells = stored.map((cell) => ({
      identity: { day: cell.day, channel: cell.channel as string, queue: cell.queue },
      figures: { interactions: cell.interactions, distinctCallers: cell.distinctCallers, handledInteractions: cell.handledInteractions, totalHandleSeconds: cell.totalHandleSeconds },
    }));
    const buckets = new Set(cells.filter(({ identity }) => identity.queue === null).map(({ identity }) => `${identity.day}|${identity.channel}`));
    for (const day of days) {
      for (const channel of CHANNELS) {
        if (buckets.has(`${day}|${channel}`)) continue;
        const identity: CellIdentity = { day, channel, queue: null };
        cells.push({ identity, figures: noisy(key, identity, ZERO) });
      }
    }
    return cells;
  }
}

/** InnoDB may answer two releases racing for one day with a deadlock rather than a duplicate. */
function isDeadlock(error: unknown): boolean {
  const candidates = [error, (error as { driverError?: unknown } | null)?.driverError];
  return candidates.some((candidate) => (candidate as { code?: unknown } | null)?.code === 'ER_LOCK_DEADLOCK');
}

function noisy(key: Buffer, identity: CellIdentity, figures: Figures): Figures {
  const result = { ...figures };
  for (const measure of PUBLISHED) result[FIELD[measure]] += cellNoise(key, identity, measure);
  return result;
}
