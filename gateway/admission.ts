import type { Logger } from 'pino';
import { addressAllowed } from '../platform/addresses';
import type { RequestClaims } from '../platform/contracts/signed-context';
import { DomainError, forbidden, ipNotAllowed, refusesRequest, unauthenticated } from '../platform/errors';
import type { TokenIdentity } from './auth/access-token';
import { budgetKey } from './limits';
import type { GatewayDeps } from './deps';
import type { GatewayContext } from './signed-data-source';

/** What admission needs to know about one incoming request, however it arrived (the gateway's HTTP, a Router coprocessor call). */
export interface AdmissionRequest {
  requestId: string;
  /** Canonical client address (see canonicalAddress), already resolved through trusted proxies only. */
  clientIp: string;
  /** The `Authorization` header as sent, if any. */
  authorization: string | undefined;
  /** For the refusal log line only. */
  operation: string | null;
}

export type Admission = (request: AdmissionRequest) => Promise<GatewayContext>;

function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match ? match[1] : null;
}

const anonymous = (requestId: string, clientIp: string): GatewayContext => ({
  claims: {
    requestId,
    tenant: null,
    principal: { id: 'anonymous', kind: 'anonymous', roles: [], scopes: [] },
    clientIp,
    accessPolicy: null,
  },
});

/**
 * Authenticates the caller and admits or refuses the request before any planning happens: token,
 * tenant, the tenant's allowlist, the principal's state, the request budget. The one admission
 * step, used by the gateway and by the Router coprocessor alike.
 */
export function createAdmission({ tokens, directory, limits }: Pick<GatewayDeps, 'tokens' | 'directory' | 'limits'>, logger: Logger, { production }: { production: boolean }): Admission {
  const deny = (error: DomainError, details: Record<string, unknown>) => {
    logger.warn({ ...details, reason: error.message, code: error.code }, 'request denied');
    return refusesRequest(error);
  };
  const admitted = async (context: GatewayContext): Promise<GatewayContext> => {
    try {
      await limits.takeRequest(budgetKey(context));
    } catch (error) {
      const { requestId, tenant, principal, clientIp } = context.claims;
      if (error instanceof DomainError) throw deny(error, { requestId, ip: clientIp, tenant: tenant?.slug ?? null, principal: `${principal.kind}:${principal.id}` });
      throw error;
    }
    return context;
  };
  return async ({ requestId, clientIp, authorization, operation }) => {
    const token = bearer(authorization);
    if (!token) {
      // In production no operation is open to anonymous callers: refusing them before validation
      // means an unknown field and a refused one answer alike, so the schema cannot be mapped.
      if (production) throw deny(unauthenticated(), { requestId, ip: clientIp, operation });
      return admitted(anonymous(requestId, clientIp));
    }

    let identity: TokenIdentity;
    try {
      identity = await tokens.verify(token);
    } catch (error) {
      throw deny(error as DomainError, { requestId, ip: clientIp, operation });
    }
    const principalClaims = { id: identity.subject, kind: identity.kind, roles: identity.roles, scopes: identity.scopes };
    if (identity.kind === 'platform') {
      return admitted({ claims: { requestId, tenant: null, principal: principalClaims, clientIp, accessPolicy: null } });
    }

    const who = { requestId, ip: clientIp, operation, tenant: identity.tenantSlug, principal: `${identity.kind}:${identity.subject}` };
    const { tenant, principal } = await directory.lookup(identity.tenantSlug!, identity.kind, identity.subject, requestId);
    if (!tenant || tenant.status !== 'ACTIVE') throw deny(unauthenticated('Unknown or disabled tenant'), who);
    if (!addressAllowed(clientIp, tenant.accessPolicy)) throw deny(ipNotAllowed(), who);
    if (principal.status === 'REVOKED') throw deny(forbidden('Access to this tenant has been revoked'), who);
    if (identity.kind === 'api_client' && principal.status !== 'ACTIVE') {
      throw deny(unauthenticated('Unknown API client'), who);
    }
    // A registered operator's roles are the tenant admin's grant, not the token's claim.
    if (principal.status === 'ACTIVE') {
      principalClaims.roles = principal.roles;
      principalClaims.scopes = principal.scopes;
    }
    const claims: RequestClaims = {
      requestId,
      tenant: { id: tenant.id, slug: tenant.slug },
      principal: principalClaims,
      clientIp,
      accessPolicy: tenant.accessPolicy,
    };
    return admitted({ claims });
  };
}
