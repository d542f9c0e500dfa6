import path from 'node:path';
import { redisPrefix } from '../../platform/redis';
import { lifecycleSettings, type LifecycleSettings } from '../../platform/lifecycle';
import { z } from 'zod';
import { bool, int, list, port, problem, readConfig, required, schemas, SECRETS_HINT, setting, type Env } from '../../platform/env';
import { DEFAULT_PORTS, defaultSubgraphUrl, SERVICE_LINKS, SUBGRAPH_NAMES, type SubgraphName } from '../../platform/contracts/service-links';

export { SUBGRAPH_NAMES, type SubgraphName } from '../../platform/contracts/service-links';

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
  /** One process only: a subgraph's own MASTER_KEYS (`<NAME>_MASTER_KEYS`), in place of MASTER_KEYS. */
  subgraphMasterKeys: Partial<Record<SubgraphName, string>>;
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
  /** Where `npm run crm:fake` listens (`CRM_FAKE_HOST`, default 127.0.0.1). */
  fakeHost: string;
  /** Where the demo tenants' CRM connections point (`CRM_FAKE_URL`, default `http://127.0.0.1:<CRM_FAKE_PORT>`). */
  fakeUrl: string;
  /** Certificate and key for the fake CRM to serve https (production refuses http CRMs). */
  fakeTls?: { certFile: string; keyFile: string };
}

export { bool, ConfigError, count, int, port, type Env } from '../../platform/env';

/** `loadSubgraphConfig(env, SHARED_PROCESS)`: all four subgraphs in the gateway's process (`npm start`). */
export const SHARED_PROCESS = 'shared-process';
/** `loadSubgraphConfig(env, TOOL)`: scripts over the databases (migrate, seed, rotate, purge): no context keys needed or refused. */
export const TOOL = 'tool';

/** Why one subgraph's keys cannot serve four in one process. */
export function sharedProcessKeysRefused(given: string[]): string {
  const names = given.join(' and ');
  return `${names} ${given.length > 1 ? 'hold' : 'holds'} one subgraph's keys, but npm start runs all four subgraphs in one process (each would verify with the same key, and three would answer 401): unset ${names} and set CONTEXT_SIGNING_SECRET (each subgraph's keys are derived from it), or run each server as its own process with its deploy/env file (README, Production)`;
}

/**
 * Reads and validates the subgraphs' environment; the only place a subgraph reads `process.env`.
 * Every problem is reported at once. With `name` (a subgraph started alone), its SERVICE_KEYS must
 * hold every link it is an end of; with SHARED_PROCESS, keys come from the gateway's master secret.
 */
export function loadSubgraphConfig(env: Env = process.env, name?: SubgraphName | typeof SHARED_PROCESS | typeof TOOL): SubgraphConfig {
  return readConfig(() => {
    const production = env.NODE_ENV === 'production';
    const shared = name === SHARED_PROCESS || name === TOOL;
    const self = shared ? undefined : (name as SubgraphName | undefined);
    const file = self ? `deploy/env/${self}.env` : 'deploy/env/<subgraph>.env';
    const databaseUrl = required(env, 'DATABASE_URL', schemas.mysqlUrl, production, 'set mysql://user:password@host:3306/<prefix> (one database per subgraph, <prefix>_<subgraph>)');
    const contextKey = required(env, 'CONTEXT_KEY', schemas.secret, production && !shared, `${SECRETS_HINT} (${file})`);
    // In one process (npm start, the demo seed) each subgraph may keep its own: <NAME>_MASTER_KEYS.
    const subgraphMasterKeys = shared
      ? Object.fromEntries(SUBGRAPH_NAMES.map((subgraph) => [subgraph, setting(env, `${subgraph.toUpperCase()}_MASTER_KEYS`, schemas.masterKeys, undefined)]).filter(([, keys]) => keys))
      : {};
    const everyOwn = SUBGRAPH_NAMES.every((subgraph) => subgraphMasterKeys[subgraph]);
    const masterKeys = required(env, 'MASTER_KEYS', schemas.masterKeys, production && !everyOwn, shared ? `${SECRETS_HINT} (deploy/env/single-process.env)` : `${SECRETS_HINT} (${file})`);
    const serviceKeys = required(env, 'SERVICE_KEYS', serviceKeysSchema(self), production && !shared, `${SECRETS_HINT} (${file})`);
    if (name === SHARED_PROCESS) {
      const given = [contextKey && 'CONTEXT_KEY', serviceKeys && 'SERVICE_KEYS'].filter(Boolean);
      if (given.length) problem(sharedProcessKeysRefused(given as string[]));
    }
    const host = env.SUBGRAPH_HOST || '127.0.0.1';
    const ports = Object.fromEntries(
      SUBGRAPH_NAMES.map((subgraph) => [subgraph, port(env, `${subgraph.toUpperCase()}_PORT`, DEFAULT_PORTS[subgraph])]),
    ) as Record<SubgraphName, number>;
    const urls = Object.fromEntries(
      SUBGRAPH_NAMES.map((subgraph) => [
        subgraph,
        setting(env, `${subgraph.toUpperCase()}_URL`, schemas.httpUrl, defaultSubgraphUrl(host, ports[subgraph])),
      ]),
    ) as Record<SubgraphName, string>;
    const fakePort = port(env, 'CRM_FAKE_PORT', 4010);
    return {
      production,
      databaseUrl,
      dataDir: path.resolve(env.DATA_DIR || 'data'),
      keysDir: path.resolve(env.KEYS_DIR || '.keys'),
      contextKey,
      masterKeys,
      subgraphMasterKeys,
      serviceKeys,
      // Demo tenants never land in a production database unless asked for.
      seed: bool(env, 'SEED', !production),
      privacyRetryIntervalMs: int(env, 'PRIVACY_RETRY_INTERVAL_MS', 30_000, 0, 86_400_000),
      redisUrl: setting(env, 'REDIS_URL', schemas.redisUrl, undefined),
      // --- live subscriptions (issue 16) ---
      redisPrefix: redisPrefix(env),
      // --- end live subscriptions ---
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
        fakePort,
        fakeHost: env.CRM_FAKE_HOST || '127.0.0.1',
        fakeUrl: setting(env, 'CRM_FAKE_URL', schemas.httpUrl, `http://127.0.0.1:${fakePort}`).replace(/\/+$/, ''),
        fakeTls: fakeTls(env),
        allowedHosts: list(env.CRM_ALLOWED_HOSTS).map((entry) => entry.toLowerCase()).filter((entry) => {
          if (/^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(:\d{1,5})?$/.test(entry)) return true;
          problem(`CRM_ALLOWED_HOSTS: "${entry}" is not host or host:port`);
          return false;
        }),
      },
      deadlines: loadSubgraphDeadlines(env),
    };
  });
}

/** SERVICE_KEYS: `caller>callee:key,…`, each a service link; for a named subgraph, all of its links. */
function serviceKeysSchema(name?: SubgraphName) {
  return z.string().superRefine((value, context) => {
    const links = new Set<string>();
    for (const entry of list(value)) {
      const match = /^([a-z]+)>([a-z]+):([A-Za-z0-9_-]+)$/.exec(entry);
      if (!match || Buffer.from(match[3], 'base64url').length < 32) {
        context.addIssue({ code: 'custom', message: 'entries must be caller>callee:key with keys of at least 32 bytes, base64url' });
        return;
      }
      links.add(`${match[1]}>${match[2]}`);
    }
    const missing = name ? linksOf(name).filter((link) => !links.has(link)) : [];
    if (missing.length) context.addIssue({ code: 'custom', message: `lacks the ${name} links ${missing.join(', ')}` });
  });
}

/** The service links `name` is an end of, as `caller>callee`. */
export const linksOf = (name: SubgraphName) =>
  SERVICE_LINKS.filter(([caller, callee]) => caller === name || callee === name).map(([caller, callee]) => `${caller}>${callee}`);

/** The fake CRM's certificate and key files (PEM): it serves https when both are set. */
function fakeTls(env: Env): { certFile: string; keyFile: string } | undefined {
  const certFile = env.CRM_FAKE_TLS_CERT || undefined;
  const keyFile = env.CRM_FAKE_TLS_KEY || undefined;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) {
    problem('CRM_FAKE_TLS_CERT and CRM_FAKE_TLS_KEY go together (PEM files)');
    return undefined;
  }
  return { certFile: path.resolve(certFile), keyFile: path.resolve(keyFile) };
}
