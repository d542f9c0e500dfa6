import type { SubgraphName } from './shared/config';
import type { SubgraphModule } from './shared/server';
import { consentSubgraph } from './consent/schema';
import { crmSubgraph } from './crm/schema';
import { identitySubgraph } from './identity/schema';
import { interactionsSubgraph } from './interactions/schema';

export const subgraphs: Record<SubgraphName, SubgraphModule> = {
  identity: identitySubgraph,
  interactions: interactionsSubgraph,
  consent: consentSubgraph,
  crm: crmSubgraph,
};
