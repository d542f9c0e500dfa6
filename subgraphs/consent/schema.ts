import 'reflect-metadata';
import { ErasedEndUser } from '../kit/erased-end-user.entity';
import { endUserStubReference } from '../kit/end-user-reference';
import { buildFederatedSchema } from '../kit/federation';
import type { SubgraphModule } from '../kit/server';
import { TenantDataKey } from '../kit/crypto/tenant-data-key.entity';
import { ConsentRecord } from './entities/consent-record.entity';
import { ContactOptOut, ProcessingRestriction } from './entities/contact-opt-out.entity';
import { CookieConsent, VisitorLink } from './entities/cookie-consent.entity';
import { PlatformPolicyVersion, PolicyVersion } from './entities/policy-version.entity';
import { SubProcessor, SubProcessorNotice } from './entities/sub-processor.entity';
import { consentMigrations } from './migrations';
import { permissions } from './permissions';
import { composeConsent, type ConsentServices } from './services';
import { ConsentResolver, EndUserConsentsResolver } from './resolvers/consent.resolver';
import { EndUserConsentStateResolver } from './resolvers/end-user-state.resolver';
import { OptOutResolver } from './resolvers/opt-out.resolver';
import { PolicyResolver } from './resolvers/policy.resolver';
import { ServiceResolver } from './resolvers/service.resolver';
import { PrivacyTargetResolver } from './resolvers/privacy-target.resolver';
import { SubProcessorResolver } from './resolvers/sub-processor.resolver';
import { WidgetResolver } from './resolvers/widget.resolver';
import { EndUser } from './entities/end-user.stub';

export const consentSubgraph: SubgraphModule<ConsentServices> = {
  name: 'consent',
  compose: composeConsent,
  entities: [
    PolicyVersion,
    PlatformPolicyVersion,
    ConsentRecord,
    CookieConsent,
    VisitorLink,
    ContactOptOut,
    ProcessingRestriction,
    SubProcessor,
    SubProcessorNotice,
    TenantDataKey,
    ErasedEndUser,
  ],
  migrations: consentMigrations,
  permissions,
  buildSchema() {
    return buildFederatedSchema(
      {
        resolvers: [
          ConsentResolver,
          EndUserConsentsResolver,
          EndUserConsentStateResolver,
          PolicyResolver,
          OptOutResolver,
          WidgetResolver,
          SubProcessorResolver,
          ServiceResolver,
          PrivacyTargetResolver,
        ],
        orphanedTypes: [EndUser],
        validate: { forbidUnknownValues: false },
      },
      endUserStubReference(),
    );
  },
};
