import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_PORTS, defaultSubgraphUrl, SUBGRAPH_NAMES, type SubgraphName } from '../platform/contracts/service-links';
import { redisPrefix } from '../platform/redis';
import { isProxyEntry } from '../platform/addresses';
import { bool, count, int, list, port, problem, readConfig, required, schemas, SECRETS_HINT, setting, type Env } from '../platform/env';
import { lifecycleSettings, type LifecycleSettings } from '../platform/lifecycle';

export interface GatewayConfig {
  production: boolean;
  host: string;
  port: number;
  supergraphPath: string;
  subgraphUrls: Record<SubgraphName, string>;
  /** Proxies whose X-Forwarded-For is believed (addresses, CIDRs, or loopback/linklocal/uniquelocal). */
  trustProxy: string[];
  /** Production: the identity provider's JWKS. Development: the generated local key. */
  jwksUrl?: string;
  tokenIssuer: string;
  tokenAudience: string;
  /** Master secret (base64url, ≥32 bytes) from which each subgraph's context key is derived; required in production. */
  contextSigningSecret?: string;
  /** Private JWK (JSON) for the tokens the gateway issues to API clients; required in production. */
  clientTokenPrivateKey?: string;
  clientTokenTtlSeconds: number;
  redisUrl?: string;
  /** Scale-out: prefix of every Redis key and channel of this deployment (`REDIS_PREFIX`, default `cx:`). */
  redisPrefix: string;
  keysDir: string;
  accessCacheTtlMs: number;
  /** Whether @apollo/gateway may export its usage metrics to Apollo (`APOLLO_TELEMETRY_DISABLED=false`); off by default. */
  apolloTelemetry: boolean;
  corsOrigins: string[];
  logLevel: string;
  // Lifecycle (shutdown drain, health probes): SHUTDOWN_DRAIN_MS, HEALTH_TIMEOUT_MS.
  lifecycle: LifecycleSettings;
  // --- live subscriptions (issue 16) ---
  live: LiveSettings;
  // --- end live subscriptions ---
  limits: {
    maxDepth: number;
    maxCost: number;
    maxAliases: number;
    maxTokens: number;
    maxDirectives: number;
    /** Per tenant (or per address without one) and window. */
    requestsPerWindow: number;
    costPerWindow: number;
    windowSeconds: number;
    /** Chat-widget requests per key and client address, and per key, in the same window. */
    widgetRequestsPerAddress: number;
    widgetRequestsPerKey: number;
  };
  deadlines: GatewayDeadlines;
}

// --- Deadlines (issue 15): one deadline per request, handed on to every hop.
export interface GatewayDeadlines {
  /** The whole request, from arrival to answer (REQUEST_TIMEOUT_MS). */
  requestMs: number;
  /** One subgraph fetch, never past the request's deadline. */
  subgraphFetchMs: number;
  /** Pooled keep-alive connections per subgraph. */
  subgraphConnections: number;
  /** How long an idle connection to a subgraph is kept: below the subgraphs' keep-alive (Node's 5 s). */
  subgraphKeepAliveMs: number;
  /** Each call to identity's access directory. */
  identityMs: number;
  /** Each Redis command (rate limits). */
  redisMs: number;
}

function loadGatewayDeadlines(env: Env): GatewayDeadlines {
  const requestMs = int(env, 'REQUEST_TIMEOUT_MS', 10_000, 100, 300_000);
  return {
    requestMs,
    subgraphFetchMs: Math.min(requestMs, int(env, 'SUBGRAPH_TIMEOUT_MS', requestMs, 50, 300_000)),
    subgraphConnections: int(env, 'SUBGRAPH_CONNECTIONS', 64, 1, 10_000),
    subgraphKeepAliveMs: int(env, 'SUBGRAPH_KEEPALIVE_MS', 4_000, 100, 600_000),
    identityMs: Math.min(requestMs, int(env, 'IDENTITY_TIMEOUT_MS', 3_000, 50, 60_000)),
    redisMs: int(env, 'REDIS_TIMEOUT_MS', 1_000, 10, 60_000),
  };
}
// --- end of deadlines

export const DEV_ISSUER = 'cx-dev-issuer';
export const DEFAULT_AUDIENCE = 'cx-gateway';

const GATEWAY_SECRETS = `${SECRETS_HINT} (deploy/env/gateway.env)`;

/** CONTEXT_SIGNING_SECRET alone (`npm run context-key`): required in production, validated like the gateway's. */
export function loadContextSigningSecret(env: Env = process.env): { production: boolean; secret?: string; keysDir: string } {
  return readConfig(() => {
    const production = env.NODE_ENV === 'production';
    return {
      production,
      secret: required(env, 'CONTEXT_SIGNING_SECRET', schemas.secret, production, GATEWAY_SECRETS),
      keysDir: path.resolve(env.KEYS_DIR || '.keys'),
    };
  });
}

/** Reads and validates the gateway's environment; the only place the gateway reads `process.env`. Every problem is reported at once. */
export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  return readConfig(() => {
    const production = env.NODE_ENV === 'production';
    const jwksUrl = required(env, 'JWKS_URL', schemas.httpUrl, production, "set it to your identity provider's JWKS URL (https://<idp>/.well-known/jwks.json)");
    const tokenIssuer = required(env, 'TOKEN_ISSUER', z.string().trim().min(1), production, "set it to the `iss` your identity provider puts in access tokens");
    const contextSigningSecret = required(env, 'CONTEXT_SIGNING_SECRET', schemas.secret, production, GATEWAY_SECRETS);
    const clientTokenPrivateKey = required(env, 'CLIENT_TOKEN_PRIVATE_KEY', schemas.privateEcJwk, production, GATEWAY_SECRETS);
    const redisUrl = setting(env, 'REDIS_URL', schemas.redisUrl, undefined);
    const subgraphHost = env.SUBGRAPH_HOST || '127.0.0.1';
    const subgraphUrls = Object.fromEntries(
      SUBGRAPH_NAMES.map((name) => {
        const key = name.toUpperCase();
        return [name, setting(env, `${key}_URL`, schemas.httpUrl, defaultSubgraphUrl(subgraphHost, port(env, `${key}_PORT`, DEFAULT_PORTS[name])))];
      }),
    ) as Record<SubgraphName, string>;
    const ttl = int(env, 'ACCESS_CACHE_TTL_MS', 5000, 0, 60_000);
    // A revocation must hold from the next request at every instance: a cache needs the shared store
    // identity bumps access versions in.
    if (production && ttl > 0 && !env.REDIS_URL) {
      problem('The access cache needs REDIS_URL in production (so revocations reach every gateway at once); set REDIS_URL, or ACCESS_CACHE_TTL_MS=0 to turn the cache off');
    }
    return {
      production,
      host: env.HOST || (production ? '0.0.0.0' : '127.0.0.1'),
      port: port(env, 'PORT', 4000),
      supergraphPath: path.resolve(env.SUPERGRAPH_PATH || 'schema/supergraph.graphql'),
      subgraphUrls,
      trustProxy: list(env.TRUST_PROXY).filter((entry) => {
        if (isProxyEntry(entry)) return true;
        problem(`TRUST_PROXY: "${entry}" is not an address, a CIDR, or loopback, linklocal or uniquelocal`);
        return false;
      }),
      jwksUrl,
      tokenIssuer: tokenIssuer ?? DEV_ISSUER,
      tokenAudience: env.TOKEN_AUDIENCE || DEFAULT_AUDIENCE,
      contextSigningSecret,
      clientTokenPrivateKey,
      clientTokenTtlSeconds: int(env, 'CLIENT_TOKEN_TTL_SECONDS', 900, 60, 3600),
      redisUrl,
      keysDir: path.resolve(env.KEYS_DIR || '.keys'),
      accessCacheTtlMs: ttl,
      apolloTelemetry: !bool(env, 'APOLLO_TELEMETRY_DISABLED', true),
      corsOrigins: env.CORS_ORIGINS
        ? list(env.CORS_ORIGINS)
        : production
          ? []
          : ['https://studio.apollographql.com', 'http://localhost:3000', 'http://localhost:5173'],
      logLevel: env.LOG_LEVEL || (env.NODE_ENV === 'test' ? 'silent' : 'info'),
      lifecycle: lifecycleSettings(env),
      // --- live subscriptions (issue 16) ---
      redisPrefix: redisPrefix(env),
      live: {
        recheckMs: count(env, 'LIVE_RECHECK_MS', 1_000),
        fullRecheckMs: count(env, 'LIVE_FULL_RECHECK_MS', 15_000),
        maxConnectionsPerTenant: count(env, 'LIVE_MAX_CONNECTIONS_PER_TENANT', 2_000),
        maxSubscriptionsPerConnection: count(env, 'LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION', 50),
        maxBufferedBytes: count(env, 'LIVE_MAX_BUFFERED_BYTES', 1_048_576),
        maxPendingEvents: count(env, 'LIVE_MAX_PENDING_EVENTS', 200),
      },
      // --- end live subscriptions ---
      limits: {
        maxDepth: count(env, 'QUERY_MAX_DEPTH', 12),
        maxCost: count(env, 'QUERY_MAX_COST', 20_000),
        maxAliases: count(env, 'QUERY_MAX_ALIASES', 15),
        maxTokens: count(env, 'QUERY_MAX_TOKENS', 2_000),
        maxDirectives: count(env, 'QUERY_MAX_DIRECTIVES', 50),
        requestsPerWindow: count(env, 'RATE_LIMIT_REQUESTS', 60_000),
        costPerWindow: count(env, 'RATE_LIMIT_COST', 20_000_000),
        windowSeconds: count(env, 'RATE_LIMIT_WINDOW_SECONDS', 60),
        widgetRequestsPerAddress: count(env, 'WIDGET_RATE_LIMIT_PER_ADDRESS', 30),
        widgetRequestsPerKey: count(env, 'WIDGET_RATE_LIMIT_PER_KEY', 6_000),
      },
      deadlines: loadGatewayDeadlines(env),
    };
  });
}

/** Live subscriptions (WebSocket and SSE): access rechecks and per-tenant, per-connection bounds. */
export interface LiveSettings {
  /** How often every live connection's access is checked without an event (version compare: cheap). */
  recheckMs: number;
  /** How often it is asked of identity regardless of versions (a gateway without a shared version store). */
  fullRecheckMs: number;
  maxConnectionsPerTenant: number;
  maxSubscriptionsPerConnection: number;
  /** Bytes waiting to be sent to one client beyond which it is cut as a slow consumer. */
  maxBufferedBytes: number;
  /** Events waiting for one subscription beyond which it is cut as a slow consumer. */
  maxPendingEvents: number;
}

/**
 * Left alone, @apollo/gateway exports usage metrics to Apollo (usage-reporting.api.apollographql.com)
 * and probes cloud metadata endpoints as it is constructed: a data processor's gateway calls out to
 * no one it was not told to. The gateway reads this switch from the process environment itself, so
 * it is set there, before a gateway is built.
 */
export function applyApolloTelemetry(config: Pick<GatewayConfig, 'apolloTelemetry'>): void {
  process.env.APOLLO_TELEMETRY_DISABLED = config.apolloTelemetry ? 'false' : 'true';
}
