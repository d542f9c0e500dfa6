import type { ApolloServerPlugin } from '@apollo/server';
import client from 'prom-client';
import type { DataSource } from 'typeorm';
import type { TelemetryConfig } from './config';
import { inSpan } from './trace-context';

/**
 * One Prometheus registry per process (`npm start`: every server in it, told apart by `server`).
 * Label values come from closed sets (server and subgraph names, error codes, breaker states) or
 * are bounded (operation names); tenant slugs only with METRICS_TENANT_LABELS=on, end-user ids never.
 */
export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

let settings: Pick<TelemetryConfig, 'metricsTenantLabels' | 'metricsMaxOperations'> = { metricsTenantLabels: false, metricsMaxOperations: 100 };

/** Set once at start-up (register.ts), before the first request is counted. */
export function configureMetrics(config: Pick<TelemetryConfig, 'metricsTenantLabels' | 'metricsMaxOperations'>): void {
  settings = config;
  instruments = undefined;
  operationNames.clear();
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function createInstruments() {
  const requestLabels = settings.metricsTenantLabels ? ['server', 'operation', 'outcome', 'tenant'] : ['server', 'operation', 'outcome'];
  const metric = <T>(name: string, make: () => T): T => {
    registry.removeSingleMetric(name);
    return make();
  };
  return {
    requests: metric('cx_graphql_requests_total', () => new client.Counter({
      name: 'cx_graphql_requests_total',
      help: 'GraphQL requests by operation name and outcome (OK or the first error code); refusals before execution have operation "unknown"',
      labelNames: requestLabels,
      registers: [registry],
    })),
    duration: metric('cx_graphql_request_duration_seconds', () => new client.Histogram({
      name: 'cx_graphql_request_duration_seconds',
      help: 'Time from a GraphQL request reaching Apollo Server (its context built) to its answer, by operation name and outcome',
      labelNames: requestLabels,
      buckets: SECONDS,
      registers: [registry],
    })),
    rateLimited: metric('cx_rate_limit_refusals_total', () => new client.Counter({
      name: 'cx_rate_limit_refusals_total',
      help: 'Requests refused with RATE_LIMITED',
      labelNames: ['server'],
      registers: [registry],
    })),
    fetchDuration: metric('cx_subgraph_fetch_duration_seconds', () => new client.Histogram({
      name: 'cx_subgraph_fetch_duration_seconds',
      help: 'Gateway fetches from each subgraph, by outcome (ok: an answer with data; error: none)',
      labelNames: ['subgraph', 'outcome'],
      buckets: SECONDS,
      registers: [registry],
    })),
    fetchErrors: metric('cx_subgraph_fetch_errors_total', () => new client.Counter({
      name: 'cx_subgraph_fetch_errors_total',
      help: 'Gateway fetches that brought no data back (unreachable, timed out, refused, HTTP error)',
      labelNames: ['subgraph'],
      registers: [registry],
    })),
  };
}
let instruments: ReturnType<typeof createInstruments> | undefined;
const metrics = () => (instruments ??= createInstruments());

const CODES = new Set([
  'UNAUTHENTICATED', 'FORBIDDEN', 'IP_NOT_ALLOWED', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'RATE_LIMITED', 'UNAVAILABLE',
  'INTERNAL_SERVER_ERROR', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE', 'DOWNSTREAM_SERVICE_ERROR',
]);

export function outcomeOf(errors: readonly { extensions?: Record<string, unknown> }[] | undefined): string {
  if (!errors?.length) return 'OK';
  const code = errors[0].extensions?.code;
  return typeof code === 'string' && CODES.has(code) ? code : 'OTHER';
}

const operationNames = new Map<string, Set<string>>();

/**
 * Operation names are chosen by clients: per server, the first METRICS_MAX_OPERATIONS distinct
 * names of operations that succeeded become label values, every other one is `other`.
 */
export function operationLabel(server: string, name: string | null | undefined, resolved: boolean, outcome: string): string {
  if (!resolved) return 'unknown';
  if (!name) return 'anonymous';
  const label = name.slice(0, 64);
  let known = operationNames.get(server);
  if (!known) operationNames.set(server, (known = new Set()));
  if (known.has(label)) return label;
  if (outcome !== 'OK' || known.size >= settings.metricsMaxOperations) return 'other';
  known.add(label);
  return label;
}

const tenantOf = (contextValue: unknown) =>
  (contextValue as { claims?: { tenant?: { slug?: string } | null } } | undefined)?.claims?.tenant?.slug ?? 'none';

/** Counts and times every GraphQL request of one server (`gateway`, `identity`, …). */
export function requestMetrics(server: string): ApolloServerPlugin {
  const count = (labels: Record<string, string>, seconds?: number) => {
    const m = metrics();
    if (!settings.metricsTenantLabels) delete labels.tenant;
    m.requests.inc(labels);
    if (seconds !== undefined) m.duration.observe(labels, seconds);
    if (labels.outcome === 'RATE_LIMITED') m.rateLimited.inc({ server });
  };
  return {
    async contextCreationDidFail({ error }) {
      const outcome = outcomeOf([error as { extensions?: Record<string, unknown> }]);
      count({ server, operation: 'unknown', outcome, tenant: 'none' });
    },
    async requestDidStart() {
      const started = process.hrtime.bigint();
      let resolved = false;
      return {
        async didResolveOperation() {
          resolved = true;
        },
        async willSendResponse({ response, operationName, contextValue }) {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          const outcome = outcomeOf(errors as { extensions?: Record<string, unknown> }[] | undefined);
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          count({ server, operation: operationLabel(server, operationName, resolved, outcome), outcome, tenant: tenantOf(contextValue) }, seconds);
        },
      };
    },
  };
}

/** One gateway fetch from a subgraph, timed and counted, in a span of its own. */
export async function observeSubgraphFetch<T extends { data?: unknown }>(subgraph: string, fetch: () => Promise<T>): Promise<T> {
  const started = process.hrtime.bigint();
  const done = (outcome: 'ok' | 'error') => {
    const m = metrics();
    m.fetchDuration.observe({ subgraph, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    if (outcome === 'error') m.fetchErrors.inc({ subgraph });
  };
  try {
    const response = await inSpan(`subgraph ${subgraph}`, { 'cx.subgraph': subgraph }, fetch);
    done(response.data === undefined || response.data === null ? 'error' : 'ok');
    return response;
  } catch (error) {
    done('error');
    throw error;
  }
}

// --- Gauges computed on scrape ---

interface BreakerLike {
  opened: boolean;
  halfOpen: boolean;
}
const breakerSets = new Set<WeakRef<Map<string, BreakerLike>>>();

/** A crm runtime's breakers (one per connection), counted by state on scrape: never by tenant or connection. */
export function observeBreakers(breakers: Map<string, BreakerLike>): void {
  breakerSets.add(new WeakRef(breakers));
}

new client.Gauge({
  name: 'cx_crm_breakers',
  help: 'CRM connection circuit breakers by state',
  labelNames: ['state'],
  registers: [registry],
  collect() {
    const counts = { closed: 0, open: 0, half_open: 0 };
    for (const ref of breakerSets) {
      const breakers = ref.deref();
      if (!breakers) {
        breakerSets.delete(ref);
        continue;
      }
      for (const breaker of breakers.values()) counts[breaker.halfOpen ? 'half_open' : breaker.opened ? 'open' : 'closed'] += 1;
    }
    for (const [state, value] of Object.entries(counts)) this.set({ state }, value);
  },
});

const dataSources = new Map<DataSource, string>();

/** A subgraph's database, whose connection pool is read on scrape (MySQL; SQLite has no pool). */
export function observeDataSource(server: string, dataSource: DataSource): void {
  dataSources.set(dataSource, server);
}

interface Mysql2Pool {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
}
const poolOf = (dataSource: DataSource) => (dataSource.driver as unknown as { pool?: Mysql2Pool }).pool;

new client.Gauge({
  name: 'cx_db_pool_connections',
  help: 'Database pool connections by state (in_use, idle), per server; MySQL only',
  labelNames: ['server', 'state'],
  registers: [registry],
  collect() {
    this.reset();
    for (const [dataSource, server] of dataSources) {
      if (!dataSource.isInitialized) {
        dataSources.delete(dataSource);
        continue;
      }
      const pool = poolOf(dataSource);
      if (!pool?._allConnections) continue;
      const idle = pool._freeConnections?.length ?? 0;
      this.set({ server, state: 'idle' }, idle);
      this.set({ server, state: 'in_use' }, pool._allConnections.length - idle);
    }
  },
});

new client.Gauge({
  name: 'cx_db_pool_waiting',
  help: 'Requests waiting for a database connection, per server; MySQL only',
  labelNames: ['server'],
  registers: [registry],
  collect() {
    this.reset();
    for (const [dataSource, server] of dataSources) {
      const pool = dataSource.isInitialized ? poolOf(dataSource) : undefined;
      if (pool?._connectionQueue) this.set({ server }, pool._connectionQueue.length);
    }
  },
});

export interface PrivacyRequestCounts {
  open: number;
  overdue: number;
}
const privacySources = new Set<() => Promise<PrivacyRequestCounts>>();

/** Identity's open and overdue privacy requests, counted on scrape; returns the way to stop. */
export function observePrivacyRequests(count: () => Promise<PrivacyRequestCounts>): () => void {
  privacySources.add(count);
  return () => privacySources.delete(count);
}

const privacyGauge = (name: string, help: string, key: keyof PrivacyRequestCounts) =>
  new client.Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      try {
        let total = 0;
        for (const count of privacySources) total += (await count())[key];
        this.set(total);
      } catch {
        // Database unreachable: the last value stands rather than a false zero.
      }
    },
  });
privacyGauge('cx_privacy_requests_open', 'Privacy requests not yet completed, across tenants', 'open');
privacyGauge('cx_privacy_requests_overdue', 'Privacy requests not completed by their due date, across tenants', 'overdue');
