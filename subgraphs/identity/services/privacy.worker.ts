import { randomUUID } from 'node:crypto';
import { errorFacts } from '../../kit/error-facts';
import { PlatformTables } from '../../kit/platform-tables';
import type { SubgraphWorker, WorkerDeps } from '../../kit/server';
import { Tenant } from '../entities/tenant.entity';
import type { IdentityServices } from './index';
import { claimDueRequest, dueRequests } from './privacy.service';

/**
 * Runs every due privacy request this worker can claim, each in its own tenant's scope; returns
 * how many it ran. With several identity instances each due request is run by one of them.
 */
export async function retryDuePrivacyRequests(deps: WorkerDeps<IdentityServices>, now = new Date()): Promise<number> {
  const due = await dueRequests(deps.dataSource, now);
  let ran = 0;
  for (const { id, tenantId } of due) {
    if (!(await claimDueRequest(deps.dataSource, id, now))) continue;
    ran += 1;
    const tenant = await PlatformTables.of(deps.dataSource).repo(Tenant).findOneBy({ id: tenantId });
    if (!tenant) continue;
    // The worker acts for the tenant that owns the request, as a service of its own, from nowhere.
    const ctx = deps.contextFor({
      requestId: `privacy-retry-${randomUUID()}`,
      tenant: { id: tenant.id, slug: tenant.slug },
      principal: { id: 'privacy-worker', kind: 'service', roles: [], scopes: [] },
      clientIp: '127.0.0.1',
      accessPolicy: null,
    });
    try {
      const request = await ctx.services.privacy.run(id, now);
      deps.logger.info({ privacyRequest: id, status: request.status }, 'privacy request retried');
    } catch (error) {
      deps.logger.error({ err: error, privacyRequest: id }, 'privacy request retry failed');
    }
  }
  return ran;
}

/** Retries failed privacy-request targets until they are done (PRIVACY_RETRY_INTERVAL_MS). */
export const privacyWorker: SubgraphWorker<IdentityServices> = {
  name: 'privacy-retries',
  start(deps) {
    const interval = deps.config.privacyRetryIntervalMs;
    if (interval === 0) return null;
    let running: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      // A round that fails (the database out, say) is logged and the next one tries again.
      running = running.then(() => retryDuePrivacyRequests(deps)).catch((error: unknown) => deps.logger.error({ error: errorFacts(error) }, 'privacy retry round failed'));
    }, interval);
    timer.unref();
    return {
      async stop() {
        clearInterval(timer);
        await running;
      },
    };
  },
};
