import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { InteractionMetrics, MetricDimension } from '../entities/interaction-metrics';
import type { InteractionsContext } from '../services';

@Resolver()
export class MetricsResolver {
  @Query(() => InteractionMetrics, {
    description: 'Interaction counts, handle time and distinct callers per group over whole UTC days (at most 366), differentially private: sums of noisy cells released once per day; small groups are suppressed.',
  })
  interactionMetrics(
    @Arg('from', { description: 'First day, YYYY-MM-DD (UTC).' }) from: string,
    @Arg('to', { description: 'Last day, YYYY-MM-DD (UTC), included.' }) to: string,
    @Arg('groupBy', () => [MetricDimension], { defaultValue: [] }) groupBy: MetricDimension[],
    @Ctx() { services }: InteractionsContext,
  ): Promise<InteractionMetrics> {
    return services.metrics.interactions(from, to, groupBy);
  }
}
