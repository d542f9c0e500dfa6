import 'reflect-metadata';
import type { Router } from 'express';
import { buildFederatedSchema } from '../kit/federation';
import type { RouteDeps, SubgraphModule } from '../kit/server';
import { EndUser } from './entities/end-user.entity';
import { Tenant } from './entities/tenant.entity';
import { identityMigrations } from './migrations';
import { permissions } from './permissions';
import { EndUserResolver } from './resolvers/end-user.resolver';
import { endUserReference } from './resolvers/end-user.reference';
import { TenantResolver } from './resolvers/tenant.resolver';
import { internalRoutes } from './resolvers/internal.routes';
import { PrincipalResolver } from './resolvers/principal.resolver';
import { CrmProfileResolver } from './resolvers/crm-profile.resolver';
import { EndUserStateResolver } from './resolvers/end-user-state.resolver';
import { ApiClient } from './entities/api-client.entity';
import { Operator } from './entities/operator.entity';
import { AuditEvent } from './entities/audit-event.entity';
import { TenantDataKey } from '../kit/crypto/tenant-data-key.entity';
import { sensitiveReadAudit } from './services/audit.service';
import { Disclosure } from './entities/disclosure.entity';
import { LegalHold } from './entities/legal-hold.entity';
import { PrivacyRequest, PrivacyTask } from './entities/privacy-request.entity';
import { LegalResolver, PrivacyResolver } from './resolvers/privacy.resolver';
import { privacyWorker } from './services/privacy.worker';
import { privacyMetrics } from './services/privacy-metrics.worker';
import { composeIdentity, type IdentityServices } from './services';

export const identitySubgraph: SubgraphModule<IdentityServices> = {
  name: 'identity',
  compose: composeIdentity,
  entities: [Tenant, EndUser, Operator, ApiClient, AuditEvent, TenantDataKey, PrivacyRequest, PrivacyTask, LegalHold, Disclosure],
  plugins: [sensitiveReadAudit],
  migrations: identityMigrations,
  subjectKeys: true,
  permissions,
  buildSchema() {
    return buildFederatedSchema(
      { resolvers: [TenantResolver, EndUserResolver, PrincipalResolver, PrivacyResolver, LegalResolver, CrmProfileResolver, EndUserStateResolver], validate: { forbidUnknownValues: false } },
      endUserReference,
    );
  },
  routes(router: Router, deps: RouteDeps) {
    internalRoutes(router, deps);
  },
  workers: [privacyWorker, privacyMetrics],
};
