import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import type { SubgraphContext } from '../../kit/context';
import { InteractionMetrics, MetricDimension } from '../entities/interaction-metrics';
import { MetricsService } from '../services/metrics.service';

@Resolver()
export class MetricsResolver {
  @Query(() => InteractionMetrics, {
    description: 'Interaction counts, handle time and distinct callers per group over whole UTC days (at most 366), differentially private: sums of noisy cells released once per day; small groups are suppressed.',
  })
  interactionMetrics(
    @Arg('from', { description: 'First day, YYYY-MM-DD (UTC).' }) from: string,
    @Arg('to', { description: 'Last day, YYYY-MM-DD (UTC), included.' }) to: string,
    @Arg('groupBy', () => [MetricDimension], { defaultValue: [] }) groupBy: MetricDimension[],
    @Ctx() ctx: SubgraphContext,
  ): Promise<InteractionMetrics> {
    return new MetricsService(ctx.scope, ctx.keyring).interactions(from, to, groupBy);
  }
}
