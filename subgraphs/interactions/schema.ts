import 'reflect-metadata';
import { buildFederatedSchema } from '../shared/federation';
import type { SubgraphModule } from '../shared/server';
import { Interaction } from './entities/interaction.entity';
import { TranscriptSegment } from './entities/transcript-segment.entity';
import { interactionsMigrations } from './migrations';
import { permissions } from './permissions';
import { interactionReferences } from './resolvers/interaction.reference';
import { EndUserInteractions, EndUserInteractionsResolver, InteractionResolver } from './resolvers/interaction.resolver';

export const interactionsSubgraph: SubgraphModule = {
  name: 'interactions',
  entities: [Interaction, TranscriptSegment],
  migrations: interactionsMigrations,
  permissions,
  buildSchema() {
    return buildFederatedSchema(
      {
        resolvers: [InteractionResolver, EndUserInteractionsResolver],
        orphanedTypes: [EndUserInteractions],
        validate: { forbidUnknownValues: false },
      },
      interactionReferences,
    );
  },
};
