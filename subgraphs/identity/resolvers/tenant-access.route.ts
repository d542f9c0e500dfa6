import type { Router } from 'express';
import { CONTEXT_HEADER, requestDigest } from '../../shared/auth/signed-context';
import { DomainError } from '../../shared/errors';
import type { RouteDeps } from '../../shared/server';
import { TenantService } from '../services/tenant.service';

export const TENANT_ACCESS_PATH = '/tenant-access';

/**
 * The gateway's lookup of a tenant's status and access policy, outside the public graph. Only
 * the gateway's own service context (signed for this body) is accepted.
 */
export function tenantAccessRoute(router: Router, { dataSource, verifier, logger }: RouteDeps): void {
  const tenants = new TenantService(dataSource);
  router.post(TENANT_ACCESS_PATH, async (req, res) => {
    try {
      const claims = await verifier.verify(req.header(CONTEXT_HEADER), requestDigest(TENANT_ACCESS_PATH, req.body));
      if (claims.principal.kind !== 'service') {
        res.status(403).json({ error: 'FORBIDDEN' });
        return;
      }
      const slug = (req.body as { slug?: unknown })?.slug;
      if (typeof slug !== 'string') {
        res.status(400).json({ error: 'BAD_USER_INPUT' });
        return;
      }
      res.json({ tenant: await tenants.accessBySlug(slug) });
    } catch (error) {
      if (error instanceof DomainError) {
        res.status(401).json({ error: error.code });
        return;
      }
      logger.error({ err: error }, 'tenant access lookup failed');
      res.status(500).json({ error: 'INTERNAL_SERVER_ERROR' });
    }
  });
}
