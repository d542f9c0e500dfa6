import 'reflect-metadata';
import { ErasedEndUser } from '../kit/erased-end-user.entity';
import { TenantDataKey } from '../kit/crypto/tenant-data-key.entity';
import { endUserStubReference } from '../kit/end-user-reference';
import { buildFederatedSchema } from '../kit/federation';
import type { SubgraphModule } from '../kit/server';
import { CrmConnection } from './entities/crm-connection.entity';
import { CrmLink } from './entities/crm-link.entity';
import { crmMigrations } from './migrations';
import { permissions } from './permissions';
import { PrivacyTargetResolver } from './resolvers/privacy-target.resolver';
import { CrmRecordEdgeResolver, CrmResolver, EndUserCrmResolver } from './resolvers/crm.resolver';
import { composeCrm, type CrmServices } from './services';
import { EndUser } from './entities/end-user.stub';

export const crmSubgraph: SubgraphModule<CrmServices> = {
  name: 'crm',
  compose: composeCrm,
  // Tenant data keys encrypt the connections' credentials.
  entities: [CrmConnection, CrmLink, TenantDataKey, ErasedEndUser],
  migrations: crmMigrations,
  permissions,
  buildSchema() {
    return buildFederatedSchema(
      {
        resolvers: [CrmResolver, CrmRecordEdgeResolver, EndUserCrmResolver, PrivacyTargetResolver],
        orphanedTypes: [EndUser],
        validate: { forbidUnknownValues: false },
      },
      endUserStubReference(),
    );
  },
};
