import 'reflect-metadata';
import { TenantDataKey } from '../kit/crypto/tenant-data-key.entity';
import { ErasedEndUser } from '../kit/erased-end-user.entity';
import { buildFederatedSchema } from '../kit/federation';
import type { SubgraphModule } from '../kit/server';
import { composeInteractions, type InteractionsServices } from './services';
import { Interaction } from './entities/interaction.entity';
import { TranscriptSegment } from './entities/transcript-segment.entity';
import { InteractionSettings } from './entities/interaction-settings.entity';
import { MetricCell } from './entities/metric-cell.entity';
import { MetricRelease } from './entities/metric-release.entity';
import { interactionsMigrations } from './migrations';
import { permissions } from './permissions';
import { interactionReferences } from './resolvers/interaction.reference';
import { EndUser } from './entities/end-user.stub';
import {
  EndUserInteractionsResolver,
  InteractionResolver,
  TranscriptSegmentResolver,
} from './resolvers/interaction.resolver';
import { InteractionSettingsResolver } from './resolvers/interaction-settings.resolver';
import { MetricsResolver } from './resolvers/metrics.resolver';
import { LiveResolver } from './resolvers/live.resolver';
import { gatewayServedPubSub } from './resolvers/live.resolver';
import { livePublisherWorker } from './services/live-publisher.worker';
import { PrivacyTargetResolver } from './resolvers/privacy-target.resolver';

export const interactionsSubgraph: SubgraphModule<InteractionsServices> = {
  name: 'interactions',
  compose: composeInteractions,
  entities: [Interaction, TranscriptSegment, InteractionSettings, TenantDataKey, MetricRelease, MetricCell, ErasedEndUser],
  migrations: interactionsMigrations,
  subjectKeys: true,
  permissions,
  workers: [livePublisherWorker],
  buildSchema() {
    return buildFederatedSchema(
      {
        resolvers: [
          InteractionResolver,
          TranscriptSegmentResolver,
          EndUserInteractionsResolver,
          MetricsResolver,
          InteractionSettingsResolver,
          PrivacyTargetResolver,
          LiveResolver,
        ],
        orphanedTypes: [EndUser],
        // The subscriptions are served by the gateway (see LiveResolver); type-graphql insists on a PubSub.
        pubSub: gatewayServedPubSub,
        validate: { forbidUnknownValues: false },
      },
      interactionReferences,
    );
  },
};
