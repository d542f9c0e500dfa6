import type { ComposeServices, ProcessDeps, RequestContext, SubgraphContext } from '../../kit/context';
import { compactAfterErasure } from '../../kit/data-source';
import { AuditService } from './audit.service';
import { EndUserService } from './end-user.service';
import { PrincipalService } from './principal.service';
import { PrivacyService } from './privacy.service';
import { TenantService } from './tenant.service';

/**
 * One request's identity services, each built on first use from the narrowest door it needs:
 * the tenant's scope, the platform's tables, or the request itself where claims or permissions matter.
 */
export class IdentityServices {
  private auditService?: AuditService;
  private endUserService?: EndUserService;
  private privacyService?: PrivacyService;
  private principalService?: PrincipalService;
  private tenantService?: TenantService;

  constructor(
    private readonly request: RequestContext,
    private readonly compact: () => Promise<void>,
  ) {}

  get audit(): AuditService {
    return (this.auditService ??= new AuditService(this.request));
  }

  get endUsers(): EndUserService {
    return (this.endUserService ??= new EndUserService(this.request, this.audit));
  }

  get privacy(): PrivacyService {
    return (this.privacyService ??= new PrivacyService(this.request, this.endUsers, this.audit, this.compact));
  }

  /** The caller's tenant's operators and API clients; refused (FORBIDDEN) to a request without a tenant. */
  get principals(): PrincipalService {
    return (this.principalService ??= new PrincipalService(this.request.scope, this.request.tenantSlug, this.request.accessEvents));
  }

  get tenants(): TenantService {
    return (this.tenantService ??= new TenantService(this.request.platform, this.request.accessEvents));
  }
}

/** Identity's composition root: what the process holds once, closed over for every request. */
export function composeIdentity(process: ProcessDeps): ComposeServices<IdentityServices> {
  // After an erasure SQLite's write-ahead log still holds the erased pages until a checkpoint.
  const compact = () => compactAfterErasure(process.dataSource);
  return (request) => new IdentityServices(request, compact);
}

export type IdentityContext = SubgraphContext<IdentityServices>;
