import type { SubgraphName } from './kit/config';
import type { SubgraphModule } from './kit/server';
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
