import path from 'node:path';
import { DEFAULT_REDIS_PREFIX, validRedisPrefix } from './redis';
import { lifecycleSettings, type LifecycleSettings } from './lifecycle';

export const SUBGRAPH_NAMES = ['identity', 'interactions', 'consent', 'crm'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export const DEFAULT_PORTS: Record<SubgraphName, number> = { identity: 4001, interactions: 4002, consent: 4003, crm: 4004 };

export interface SubgraphConfig {
  production: boolean;
  /** `mysql://user:pass@host:port[/prefix]`; unset means SQLite files under `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  /** Development keys are generated here at first start; never used in production. */
  keysDir: string;
  /** This subgraph's context key (base64url, from `npm run -s context-key -- <subgraph>`); required in production. */
  contextKey?: string;
  /** `id:key,id:key` (first is current) wrapping tenant data keys; required in production. */
  masterKeys?: string;
  /** `caller>callee:key,…`: the service-link keys this subgraph holds (`npm run -s context-key -- <subgraph> --links`). */
  serviceKeys?: string;
  seed: boolean;
  /** How often identity retries privacy-request targets that failed; 0 turns the worker off. */
  privacyRetryIntervalMs: number;
  /** Shared channel for access-change announcements (and, at the gateway, rate limits). */
  redisUrl?: string;
  /** Scale-out: prefix of every Redis key and channel of this deployment (`REDIS_PREFIX`, default `cx:`). */
  redisPrefix: string;
  logLevel: string;
  host: string;
  ports: Record<SubgraphName, number>;
  urls: Record<SubgraphName, string>;
  crm: CrmSettings;
  deadlines: SubgraphDeadlines;
  // Lifecycle (shutdown drain, health probes): SHUTDOWN_DRAIN_MS, HEALTH_TIMEOUT_MS.
  lifecycle: LifecycleSettings;
}

// --- Deadlines (issue 15): every hop a subgraph makes is bounded, and by the request's own deadline.
export interface SubgraphDeadlines {
  /** Longest a request may run here, whatever budget the caller sends (REQUEST_TIMEOUT_MS). */
  requestMs: number;
  /** Per database query (mysql2 `timeout`; SQLite's busy timeout). A stalled connection is destroyed. */
  queryMs: number;
  /** Opening a database connection (mysql2 `connectTimeout`). */
  connectMs: number;
  /** Waiting for a free pooled connection. */
  acquireMs: number;
  poolSize: number;
  /** Per call over a service link. */
  serviceCallMs: number;
}

function loadSubgraphDeadlines(env: Env): SubgraphDeadlines {
  return {
    requestMs: int(env, 'REQUEST_TIMEOUT_MS', 10_000, 100, 300_000),
    queryMs: int(env, 'DB_QUERY_TIMEOUT_MS', 5_000, 50, 300_000),
    connectMs: int(env, 'DB_CONNECT_TIMEOUT_MS', 3_000, 50, 60_000),
    acquireMs: int(env, 'DB_ACQUIRE_TIMEOUT_MS', 3_000, 50, 60_000),
    poolSize: int(env, 'DB_POOL_SIZE', 10, 1, 1_000),
    serviceCallMs: int(env, 'SERVICE_CALL_TIMEOUT_MS', 3_000, 50, 60_000),
  };
}
// --- end of deadlines

/** How the crm subgraph talks to the tenants' CRMs. */
export interface CrmSettings {
  /** Per HTTP attempt; a slower answer counts as a failure for the breaker. */
  timeoutMs: number;
  /** All attempts of one call together (retries and backoff included), within the request's deadline. */
  budgetMs: number;
  /** Extra attempts for safe calls (reads, searches) after a failure; writes are never retried. */
  retries: number;
  retryBaseMs: number;
  /** Failed calls within the rolling window that open a connection's circuit. */
  breakerFailures: number;
  /** How long an open circuit refuses calls before letting one through. */
  breakerCooldownMs: number;
  /** How long a live CRM record is reused (per tenant, connection and record); 0 turns caching off. */
  cacheTtlMs: number;
  /** Whether a connection may point at loopback, private or link-local addresses (the local fake CRM). */
  allowPrivateAddresses: boolean;
  /** `host:port` entries a connection may use even when private addresses are refused (a host alone: its scheme's default port). */
  allowedHosts: string[];
  /** Where `npm run crm:fake` listens. */
  fakePort: number;
}

export class ConfigError extends Error {}

export type Env = Record<string, string | undefined>;

export function port(env: Env, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new ConfigError(`${key} must be a port number`);
  return value;
}

export function int(env: Env, key: string, fallback: number, min: number, max: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${key} must be an integer from ${min} to ${max}`);
  return value;
}

export function bool(env: Env, key: string, fallback: boolean): boolean {
  const raw = env[key]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${key} must be true or false`);
}

/** `REDIS_PREFIX`: one deployment's namespace in a shared Redis. */
export function redisPrefix(env: Env): string {
  const value = env.REDIS_PREFIX || DEFAULT_REDIS_PREFIX;
  if (!validRedisPrefix(value)) throw new ConfigError('REDIS_PREFIX must be 1-40 letters, digits or _.-{} followed by ":" (e.g. cx-prod:)');
  return value;
}

/** Where a subgraph listening on `host:port` is reached when no `<NAME>_URL` says otherwise. */
export function defaultSubgraphUrl(host: string, listenPort: number): string {
  return `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${listenPort}/graphql`;
}

/** Reads and validates the subgraphs' environment; the only place a subgraph reads `process.env`. */
export function loadSubgraphConfig(env: Env = process.env): SubgraphConfig {
  const production = env.NODE_ENV === 'production';
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^mysql:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a mysql:// URL');
  }
  const contextKey = env.CONTEXT_KEY || undefined;
  if (production) {
    if (!databaseUrl) throw new ConfigError('DATABASE_URL is required in production');
    if (!contextKey) throw new ConfigError('CONTEXT_KEY is required in production');
    if (!env.MASTER_KEYS) throw new ConfigError('MASTER_KEYS is required in production');
    if (!env.SERVICE_KEYS) throw new ConfigError('SERVICE_KEYS is required in production');
  }
  const host = env.SUBGRAPH_HOST || '127.0.0.1';
  const ports = Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => [name, port(env, `${name.toUpperCase()}_PORT`, DEFAULT_PORTS[name])]),
  ) as Record<SubgraphName, number>;
  const urls = Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => [
      name,
      env[`${name.toUpperCase()}_URL`] || defaultSubgraphUrl(host, ports[name]),
    ]),
  ) as Record<SubgraphName, string>;
  return {
    production,
    databaseUrl,
    dataDir: path.resolve(env.DATA_DIR || 'data'),
    keysDir: path.resolve(env.KEYS_DIR || '.keys'),
    contextKey,
    masterKeys: env.MASTER_KEYS || undefined,
    serviceKeys: env.SERVICE_KEYS || undefined,
    seed: bool(env, 'SEED', true),
    privacyRetryIntervalMs: int(env, 'PRIVACY_RETRY_INTERVAL_MS', 30_000, 0, 86_400_000),
    redisUrl: env.REDIS_URL || undefined,
    // --- scale-out settings ---
    redisPrefix: redisPrefix(env),
    // --- end scale-out settings ---
    logLevel: env.LOG_LEVEL || (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    host,
    ports,
    urls,
    lifecycle: lifecycleSettings(env),
    crm: {
      timeoutMs: int(env, 'CRM_TIMEOUT_MS', 2_000, 50, 60_000),
      budgetMs: int(env, 'CRM_BUDGET_MS', 4_000, 50, 120_000),
      retries: int(env, 'CRM_RETRIES', 2, 0, 5),
      retryBaseMs: int(env, 'CRM_RETRY_BASE_MS', 200, 1, 10_000),
      breakerFailures: int(env, 'CRM_BREAKER_FAILURES', 5, 1, 1_000),
      breakerCooldownMs: int(env, 'CRM_BREAKER_COOLDOWN_MS', 30_000, 10, 3_600_000),
      cacheTtlMs: int(env, 'CRM_CACHE_TTL_MS', 5_000, 0, 300_000),
      allowPrivateAddresses: bool(env, 'CRM_ALLOW_PRIVATE_ADDRESSES', !production),
      fakePort: port(env, 'CRM_FAKE_PORT', 4010),
      allowedHosts: (env.CRM_ALLOWED_HOSTS ?? '').split(',').map((host) => host.trim().toLowerCase()).filter(Boolean).map((entry) => {
        if (!/^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(:\d{1,5})?$/.test(entry)) throw new ConfigError(`CRM_ALLOWED_HOSTS: "${entry}" is not host or host:port`);
        return entry;
      }),
    },
    deadlines: loadSubgraphDeadlines(env),
  };
}

// --- Telemetry (traces and metrics): every process, the gateway included. ---
export interface TelemetryConfig {
  /** Where spans go: OTEL_TRACES_EXPORTER=otlp (or console); unset or `none` means no tracing. */
  traces: 'otlp' | 'console' | null;
  /** OTEL_SERVICE_NAME, or null to name the service after the process (cx-gateway, cx-identity, …, cx-stack). */
  serviceName: string | null;
  /** The Prometheus endpoint's port (METRICS_PORT; 0: any free port); null: no endpoint. */
  metricsPort: number | null;
  metricsHost: string;
  /** METRICS_TENANT_LABELS=on adds the tenant slug to request metrics (mind the cardinality). */
  metricsTenantLabels: boolean;
  /** Distinct operation names kept as label values; later ones count as `other`. */
  metricsMaxOperations: number;
}

export function loadTelemetryConfig(env: Env = process.env): TelemetryConfig {
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim().toLowerCase()).filter((name) => name && name !== 'none');
  if (exporters.some((name) => name !== 'otlp' && name !== 'console')) throw new ConfigError('OTEL_TRACES_EXPORTER must be otlp, console or none');
  const disabled = bool(env, 'OTEL_SDK_DISABLED', false);
  return {
    traces: disabled || exporters.length === 0 ? null : exporters.includes('otlp') ? 'otlp' : 'console',
    serviceName: env.OTEL_SERVICE_NAME || null,
    metricsPort: env.METRICS_PORT === undefined || env.METRICS_PORT === '' || env.METRICS_PORT === 'off' ? null : port(env, 'METRICS_PORT', 0),
    metricsHost: env.METRICS_HOST || '127.0.0.1',
    metricsTenantLabels: bool(env, 'METRICS_TENANT_LABELS', false),
    metricsMaxOperations: int(env, 'METRICS_MAX_OPERATIONS', 100, 1, 1_000),
  };
}
// --- end telemetry ---
