import { isDependencyFailure } from '../../../platform/dependency-errors';
import type { Request, Response, Router } from 'express';
import { CONTEXT_HEADER, requestDigest } from '../../../platform/contracts/signed-context';
import { DomainError } from '../../../platform/errors';
import { PlatformTables } from '../../kit/platform-tables';
import type { RouteDeps } from '../../kit/server';
import { PrincipalDirectory } from '../services/principal.service';
import { TenantService } from '../services/tenant.service';

import {
  CLIENT_CREDENTIALS_PATH,
  PRINCIPAL_PATH,
  WIDGET_KEY_PATH,
  type IdentityLookupPath,
  type IdentityLookups,
} from '../../../platform/contracts/identity-lookups';

/**
 * Questions only the gateway may ask, outside the public graph: each needs the gateway's own
 * service context, signed for this path and body.
 */
export function internalRoutes(router: Router, { dataSource, verifier, logger, accessEvents }: RouteDeps): void {
  // Built once per process: each question comes before any tenant is known. The directory reads the
  // tenants, then one tenant's principals (or finds a client across tenants), so it holds the data source.
  const directory = new PrincipalDirectory(dataSource);
  const tenants = new TenantService(PlatformTables.of(dataSource), accessEvents);
  // The body is untrusted: each answer reads its fields through `text`.
  const route = <P extends IdentityLookupPath>(path: P, answer: (body: Partial<Record<keyof IdentityLookups[P]['request'], unknown>>) => Promise<IdentityLookups[P]['answer']>) =>
    router.post(path, async (req: Request, res: Response) => {
      try {
        const claims = await verifier.verify(req.header(CONTEXT_HEADER), requestDigest(path, req.body));
        if (claims.principal.kind !== 'service') {
          res.status(403).json({ error: 'FORBIDDEN' });
          return;
        }
        res.json(await answer((req.body ?? {}) as Partial<Record<keyof IdentityLookups[P]['request'], unknown>>));
      } catch (error) {
        if (error instanceof DomainError) {
          res.status(error.code === 'UNAUTHENTICATED' ? 401 : error.code === 'UNAVAILABLE' ? 503 : 400).json({ error: error.code });
          return;
        }
        // The database down or too slow: an outage the gateway reports as such.
        if (isDependencyFailure(error)) {
          logger.warn({ path, reason: (error as Error).message }, 'internal route unavailable');
          res.status(503).json({ error: 'UNAVAILABLE' });
          return;
        }
        logger.error({ err: error, path }, 'internal route failed');
        res.status(500).json({ error: 'INTERNAL_SERVER_ERROR' });
      }
    });
  const text = (value: unknown, max = 300) => (typeof value === 'string' && value.length <= max ? value : '');

  // `channel` names where this process bumps access versions: a gateway reading another store must not cache.
  const { channel } = accessEvents;
  route(PRINCIPAL_PATH, async (body) => ({ ...(await directory.resolve(text(body.tenant), text(body.kind), text(body.subject))), channel }));
  route(CLIENT_CREDENTIALS_PATH, async (body) => ({
    client: await directory.verifyClient(text(body.clientId, 64), text(body.clientSecret, 200)),
  }));
  route(WIDGET_KEY_PATH, async (body) => ({ widget: await tenants.widgetAccess(text(body.key, 64)), channel }));
}
