import 'reflect-metadata';
import { ErasedEndUser } from '../shared/erased-end-user.entity';
import { TenantDataKey } from '../shared/crypto/tenant-data-key.entity';
import { endUserStubReference } from '../shared/end-user-reference';
import { buildFederatedSchema } from '../shared/federation';
import type { SubgraphModule } from '../shared/server';
import { CrmConnection } from './entities/crm-connection.entity';
import { CrmLink } from './entities/crm-link.entity';
import { crmMigrations } from './migrations';
import { permissions } from './permissions';
import { CrmPrivacyResolver } from './resolvers/crm-privacy.resolver';
import { CrmRecordEdgeResolver, CrmResolver, EndUserCrm, EndUserCrmResolver } from './resolvers/crm.resolver';

export const crmSubgraph: SubgraphModule = {
  name: 'crm',
  // Tenant data keys encrypt the connections' credentials.
  entities: [CrmConnection, CrmLink, TenantDataKey, ErasedEndUser],
  migrations: crmMigrations,
  permissions,
  buildSchema() {
    return buildFederatedSchema(
      {
        resolvers: [CrmResolver, CrmRecordEdgeResolver, EndUserCrmResolver, CrmPrivacyResolver],
        orphanedTypes: [EndUserCrm],
        validate: { forbidUnknownValues: false },
      },
      endUserStubReference(),
    );
  },
};
