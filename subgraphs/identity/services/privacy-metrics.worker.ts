import { In, LessThan } from 'typeorm';
import { AcrossTenants } from '../../kit/platform-tables';
import type { SubgraphWorker } from '../../kit/server';
import { observePrivacyRequests } from '../../../platform/telemetry/metrics';
import { PrivacyRequest, PrivacyRequestStatus } from '../entities/privacy-request.entity';

/** Publishes open and overdue privacy requests to the metrics endpoint, counted when it is scraped. */
export const privacyMetrics: SubgraphWorker = {
  name: 'privacy-metrics',
  start({ dataSource }) {
    const requests = AcrossTenants.of(dataSource);
    const open = { status: In([PrivacyRequestStatus.IN_PROGRESS]) };
    // Across tenants on purpose: two counts over all tenants; no row, id or tenant leaves the query.
    const stop = observePrivacyRequests(async () => {
      const [total, overdue] = await Promise.all([requests.count(PrivacyRequest, open), requests.count(PrivacyRequest, { ...open, dueAt: LessThan(new Date()) })]);
      return { open: total, overdue };
    });
    return { stop: async () => void stop() };
  },
};
