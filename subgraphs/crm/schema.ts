import 'reflect-metadata';
import { endUserStubReference } from '../shared/end-user-reference';
import { buildFederatedSchema } from '../shared/federation';
import type { SubgraphModule } from '../shared/server';
import { CrmConnection } from './entities/crm-connection.entity';
import { CrmLink } from './entities/crm-link.entity';
import { crmMigrations } from './migrations';
import { permissions } from './permissions';
import { CrmResolver, EndUserCrm, EndUserCrmResolver } from './resolvers/crm.resolver';

export const crmSubgraph: SubgraphModule = {
  name: 'crm',
  entities: [CrmConnection, CrmLink],
  migrations: crmMigrations,
  permissions,
  buildSchema() {
    return buildFederatedSchema(
      {
        resolvers: [CrmResolver, EndUserCrmResolver],
        orphanedTypes: [EndUserCrm],
        validate: { forbidUnknownValues: false },
      },
      endUserStubReference(),
    );
  },
};
