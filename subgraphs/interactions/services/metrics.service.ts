import { badInput } from '../../shared/errors';
import type { TenantScope } from '../../shared/tenant-repository';
import type { Channel } from '../../shared/channel';
import { Interaction } from '../entities/interaction.entity';
import { MetricDimension, type InteractionMetricGroup, type InteractionMetrics } from '../entities/interaction-metrics';
import { InteractionSettingsService } from './interaction-settings.service';

export const MAX_RANGE_DAYS = 366;
export const MAX_GROUPS = 5_000;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function parseDay(field: string, value: string): number {
  const time = DAY.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== value) throw badInput(field, 'must be a date, YYYY-MM-DD');
  return time;
}

const COLUMNS: Record<MetricDimension, string> = {
  [MetricDimension.DAY]: 'i.startedDay',
  [MetricDimension.CHANNEL]: 'i.channel',
  [MetricDimension.QUEUE]: 'i.queue',
};

/**
 * Aggregates only: no end-user identifier is selected out of the database. A group is reported only
 * when it has at least the tenant's minimum number of distinct callers; an interaction with no known
 * end-user counts as a caller of its own.
 */
export class MetricsService {
  constructor(private readonly scope: TenantScope) {}

  async interactions(from: string, to: string, groupBy: MetricDimension[]): Promise<InteractionMetrics> {
    const start = parseDay('from', from);
    const end = parseDay('to', to);
    if (end < start) throw badInput('to', 'must not be before from');
    if ((end - start) / 86_400_000 + 1 > MAX_RANGE_DAYS) throw badInput('to', `the range may span at most ${MAX_RANGE_DAYS} days`);
    const dimensions = [...new Set(groupBy)];
    if (dimensions.length !== groupBy.length) throw badInput('groupBy', 'repeats a dimension');

    const { minGroupSize } = await new InteractionSettingsService(this.scope).get();
    // Scoped: the tenant repository's query builder starts from `tenantId = <this tenant>`.
    const query = this.scope
      .repo(Interaction)
      .queryBuilder('i')
      .andWhere('i.startedDay >= :from AND i.startedDay <= :to', { from, to })
      .select('COUNT(*)', 'interactions')
      .addSelect('COUNT(DISTINCT COALESCE(i.endUserId, i.id))', 'callers')
      .addSelect('COALESCE(SUM(i.handleSeconds), 0)', 'handleSeconds')
      .addSelect('COUNT(i.handleSeconds)', 'handled');
    for (const dimension of dimensions) {
      query.addSelect(COLUMNS[dimension], dimension).addGroupBy(COLUMNS[dimension]);
    }
    const rows = await query.limit(MAX_GROUPS + 1).getRawMany<Record<string, string | number | null>>();
    if (rows.length > MAX_GROUPS) throw badInput('groupBy', `more than ${MAX_GROUPS} groups: narrow the range or group by less`);

    const groups: InteractionMetricGroup[] = [];
    let suppressedGroups = 0;
    for (const row of rows) {
      const interactions = Number(row.interactions);
      const distinctCallers = Number(row.callers);
      if (interactions === 0) continue;
      if (distinctCallers < minGroupSize) {
        suppressedGroups++;
        continue;
      }
      const handled = Number(row.handled);
      const totalHandleSeconds = Number(row.handleSeconds);
      groups.push({
        day: dimensions.includes(MetricDimension.DAY) ? String(row[MetricDimension.DAY]) : null,
        channel: dimensions.includes(MetricDimension.CHANNEL) ? (row[MetricDimension.CHANNEL] as Channel) : null,
        queue: dimensions.includes(MetricDimension.QUEUE) ? ((row[MetricDimension.QUEUE] as string | null) ?? null) : null,
        interactions,
        distinctCallers,
        handledInteractions: handled,
        totalHandleSeconds,
        averageHandleSeconds: handled > 0 ? Math.round((totalHandleSeconds / handled) * 10) / 10 : null,
      });
    }
    const key = (g: InteractionMetricGroup) => `${g.day ?? ''}\u0000${g.channel ?? ''}\u0000${g.queue ?? ''}`;
    groups.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    return { from, to, groupBy: dimensions, minGroupSize, groups, suppressedGroups };
  }
}
