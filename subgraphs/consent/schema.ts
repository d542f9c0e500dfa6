import 'reflect-metadata';
import { endUserStubReference } from '../shared/end-user-reference';
import { buildFederatedSchema } from '../shared/federation';
import type { SubgraphModule } from '../shared/server';
import { ConsentRecord } from './entities/consent-record.entity';
import { PolicyVersion } from './entities/policy-version.entity';
import { consentMigrations } from './migrations';
import { permissions } from './permissions';
import { ConsentResolver, EndUserConsents, EndUserConsentsResolver } from './resolvers/consent.resolver';

export const consentSubgraph: SubgraphModule = {
  name: 'consent',
  entities: [PolicyVersion, ConsentRecord],
  migrations: consentMigrations,
  permissions,
  buildSchema() {
    return buildFederatedSchema(
      {
        resolvers: [ConsentResolver, EndUserConsentsResolver],
        orphanedTypes: [EndUserConsents],
        validate: { forbidUnknownValues: false },
      },
      endUserStubReference(),
    );
  },
};
