import { In, LessThan } from 'typeorm';
import type { SubgraphWorker } from '../../kit/server';
import { observePrivacyRequests } from '../../../platform/telemetry/metrics';
import { PrivacyRequest, PrivacyRequestStatus } from '../entities/privacy-request.entity';

/** Publishes open and overdue privacy requests to the metrics endpoint, counted when it is scraped. */
export const privacyMetrics: SubgraphWorker = {
  name: 'privacy-metrics',
  start({ dataSource }) {
    const requests = dataSource.getRepository(PrivacyRequest);
    const open = { status: In([PrivacyRequestStatus.IN_PROGRESS]) };
    // Unscoped on purpose: two counts across all tenants; no row, id or tenant leaves the query.
    const stop = observePrivacyRequests(async () => {
      const [total, overdue] = await Promise.all([requests.count({ where: open }), requests.count({ where: { ...open, dueAt: LessThan(new Date()) } })]);
      return { open: total, overdue };
    });
    return { stop: async () => void stop() };
  },
};
