import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import cors from 'cors';
import express from 'express';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { JWK } from 'jose';
import type { Logger } from 'pino';
import { loadDevKeys } from '../platform/dev-keys';
import { ContextSigner, decodeSecret } from '../platform/contracts/signed-context';
import { accessEvents, type AccessEvents } from '../platform/access-events';
import { createErrorFormatter } from '../platform/errors';
import { jsonErrors, jsonNotFound, oauthShape } from '../platform/http-errors';
import { createLogger } from '../platform/logger';
import { accessEntry, accessLog, accessLogPlugin, bindAccessEntry, requestIdOf } from '../platform/access-log';
import { Lifecycle } from '../platform/lifecycle';
import { gatewayReadiness } from './health';
import { mountGraphiql } from './graphiql';
import { AccessTokenVerifier, ClientTokenIssuer } from './auth/access-token';
import { createAdmission } from './admission';
import { canonicalAddress } from '../platform/addresses';
import { PrincipalDirectory } from './auth/principal-directory';
import { oauthTokenRoute } from './oauth';
import { assertTokenLimit, costBudget, queryLimits, RateLimits, retryAfterOf } from './limits';
import type Redis from 'ioredis';
import { closeRedisClient, createRedisClient } from '../platform/redis';
import { RedisPersistedQueryCache } from './apq-cache';
import { applyApolloTelemetry, type GatewayConfig } from './config';
import type { GatewayDeps } from './deps';
import { SignedContextDataSource, type GatewayContext } from './signed-data-source';
import { requestMetrics } from '../platform/telemetry/metrics';
import { createWidgetContextBuilder, WIDGET_PATH, widgetOperations } from './widget';
import { createSubgraphFetcher, type SubgraphFetcher } from './subgraph-fetcher';
import { outageStatus } from './outage-status';
import { LiveSubscriptions } from './subscriptions/live-server';
import { expressApp } from '../platform/http-app';

export interface GatewayServerOptions {
  logger?: Logger;
  /** Defaults to Redis when REDIS_URL is set, else the in-process channel. */
  accessEvents?: AccessEvents;
}

const parseJwk = (json: string) => JSON.parse(json) as JWK;

/** The gateway's keys, token verifier, principal directory and budgets (the Router coprocessor builds the same). */
export async function createDeps(config: GatewayConfig, events: AccessEvents, redis?: Redis): Promise<GatewayDeps> {
  // Production supplies every key (config refuses to start otherwise); development generates them.
  const needsDevKeys = !config.contextSigningSecret || !config.clientTokenPrivateKey || !config.jwksUrl;
  const dev = needsDevKeys ? await loadDevKeys(config.keysDir) : undefined;
  const contextSecret = decodeSecret(config.contextSigningSecret ?? dev!.contextSecret, 'CONTEXT_SIGNING_SECRET');
  const clientKey = config.clientTokenPrivateKey ? parseJwk(config.clientTokenPrivateKey) : dev!.clientToken.privateJwk;
  const { d: _private, ...clientPublicJwk } = clientKey;
  const tokens = new AccessTokenVerifier(
    config.tokenAudience,
    {
      issuer: config.tokenIssuer,
      keys: AccessTokenVerifier.identityProviderKeys({ jwksUrl: config.jwksUrl, publicJwk: dev?.accessToken.publicJwk }),
    },
    { publicJwk: clientPublicJwk },
  );
  const signer = new ContextSigner(contextSecret);
  return {
    tokens,
    clientTokens: new ClientTokenIssuer(clientKey, config.tokenAudience, config.clientTokenTtlSeconds),
    signer,
    directory: new PrincipalDirectory(config.subgraphUrls.identity, signer, config.accessCacheTtlMs, events, config.deadlines.identityMs, {
      connections: config.deadlines.subgraphConnections,
      keepAliveMs: config.deadlines.subgraphKeepAliveMs,
    }),
    events,
    limits: new RateLimits(config, redis),
  };
}

/** The gateway's admission (see admission.ts) over an Express request. */
export function createContextBuilder(deps: GatewayDeps, logger: Logger, options: { production: boolean }) {
  const admit = createAdmission(deps, logger, options);
  return (req: express.Request): Promise<GatewayContext> =>
    admit({
      requestId: requestIdOf(req),
      clientIp: canonicalAddress(req.ip ?? req.socket.remoteAddress),
      authorization: req.header('authorization'),
      operation: (req.body as { operationName?: string } | undefined)?.operationName ?? null,
    });
}

export class GatewayServer {
  constructor(
    readonly app: express.Express,
    readonly apollo: ApolloServer<GatewayContext>,
    readonly deps: GatewayDeps,
    private readonly server: http.Server,
    private readonly ownedEvents?: AccessEvents,
    private readonly redis?: Redis,
    private readonly fetcher?: SubgraphFetcher,
    readonly lifecycle = new Lifecycle(),
  ) {}

  listen(port: number, host = '127.0.0.1'): Promise<{ url: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const address = this.server.address() as AddressInfo;
        resolve({ port: address.port, url: `http://${host}:${address.port}/graphql` });
      });
    });
  }

  /**
   * Readiness turns 503, the listener closes, requests in flight get up to SHUTDOWN_DRAIN_MS to be
   * answered (their subgraphs stay up: close the gateway first), then its stores close.
   */
  async close(): Promise<void> {
    this.lifecycle.beginShutdown();
    await this.apollo.stop();
    await this.deps.directory.close();
    if (this.server.listening) await new Promise((resolve) => this.server.close(resolve));
    await this.ownedEvents?.close();
    await closeRedisClient(this.redis);
    await this.fetcher?.close();
  }
}

/** Who the request turned out to be, for its access-log line: tenant and principal kind, no names. */
function noted(context: GatewayContext, res: express.Response): GatewayContext {
  const { requestId, tenant, principal } = context.claims;
  Object.assign(accessEntry(res), { requestId, tenant: tenant?.slug ?? null, tenantId: tenant?.id ?? null, principal: principal.kind });
  bindAccessEntry(context, res);
  return context;
}

/** Builds the gateway over the checked-in supergraph without listening. */
export async function createGatewayServer(
  config: GatewayConfig,
  options: GatewayServerOptions = {},
): Promise<GatewayServer> {
  const logger = options.logger ?? createLogger('gateway', config.logLevel);
  // The gateway closes a Redis channel it opened itself; a shared or in-process one is left alone.
  const ownedEvents = !options.accessEvents && config.redisUrl ? accessEvents(config.redisUrl, config.redisPrefix, config.deadlines.redisMs) : undefined;
  // Scale-out: rate-limit budgets and persisted queries shared by every instance (see README).
  const redis = config.redisUrl ? createRedisClient(config.redisUrl, { name: 'gateway', commandTimeoutMs: config.deadlines.redisMs }) : undefined;
  const deps = await createDeps(config, options.accessEvents ?? ownedEvents ?? accessEvents(), redis);
  const armor = queryLimits(config);
  const fetcher = createSubgraphFetcher(config.deadlines);
  applyApolloTelemetry(config);
  const gateway = new ApolloGateway({
    supergraphSdl: fs.readFileSync(config.supergraphPath, 'utf8'),
    buildService: ({ name, url }) =>
      new SignedContextDataSource(name, config.subgraphUrls[name as keyof GatewayConfig['subgraphUrls']] ?? url!, deps.signer, {
        fetcher: fetcher.fetcher,
        logger,
        fetchTimeoutMs: config.deadlines.subgraphFetchMs,
      }),
    logger,
    // Each fetch's parsed operation is kept with its cached plan, so a data source reading it
    // (subgraph-outage.ts names the fields a failed fetch stood for) never parses the text again.
    queryPlannerConfig: { exposeDocumentNodeInFetchNode: true },
  });
  // Subscriptions are served here, not federated (see gateway/subscriptions).
  const live = new LiveSubscriptions(config, deps, logger, armor.validationRules);
  live.watch(gateway);

  const app = expressApp();
  // Only the proxies named in TRUST_PROXY may set the client address through X-Forwarded-For.
  app.set('trust proxy', config.trustProxy.length > 0 ? config.trustProxy : false);
  const httpServer = http.createServer(app);
  const lifecycle = new Lifecycle();
  app.use(accessLog(logger));
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    // The process owns its signals (see lifecycle.ts): Apollo's would stop each server on its own.
    stopOnTerminationSignals: false,
    introspection: !config.production,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: config.production,
    allowBatchedHttpRequests: false,
    // Without Redis, Apollo's per-process cache.
    ...(redis ? { persistedQueries: { cache: new RedisPersistedQueryCache(redis, config.redisPrefix) } } : {}),
    validationRules: armor.validationRules,
    formatError: createErrorFormatter(logger),
    plugins: [
      requestMetrics('gateway'),
      ...armor.plugins,
      costBudget(deps.limits, config.limits.maxCost),
      widgetOperations(),
      outageStatus(),
      live.plugin(),
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.lifecycle.drainMs }),
      accessLogPlugin,
      config.production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
    ],
  });
  await apollo.start();

  const buildContext = createContextBuilder(deps, logger, config);
  const buildWidgetContext = createWidgetContextBuilder(deps, logger);
  lifecycle.mount(app, gatewayReadiness(config.subgraphUrls.identity, config.lifecycle.healthTimeoutMs), config.lifecycle.healthTimeoutMs);
  if (!config.production) mountGraphiql(app);
  app.post(
    '/oauth/token',
    express.urlencoded({ extended: false, limit: '10kb' }),
    express.json({ limit: '10kb' }),
    oauthTokenRoute(deps, logger),
    jsonErrors(logger, oauthShape),
  );
  app.all('/oauth/token', jsonNotFound(oauthShape));
  live.mount(app, httpServer, apollo);
  // The GraphQL doors (bearer tokens, widget keys) differ only in how they admit a caller.
  const graphqlDoor = (admit: (req: express.Request) => Promise<GatewayContext>) =>
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        assertTokenLimit((req.body as { query?: unknown } | undefined)?.query, config.limits.maxTokens);
        const deadline = Date.now() + config.deadlines.requestMs;
        try {
          // A new object with every field at once: one shape for every request's context (V8's
          // inline caches stay monomorphic where the pipeline reads it).
          const { claims } = await admit(req);
          return noted({ claims, deadline }, res);
        } catch (error) {
          const retryAfter = retryAfterOf(error);
          if (retryAfter) res.setHeader('Retry-After', retryAfter);
          throw error;
        }
      },
    });
  app.use(
    '/graphql',
    cors({ origin: config.corsOrigins, methods: ['GET', 'POST'], maxAge: 600 }),
    express.json({ limit: '1mb' }),
    graphqlDoor(buildContext),
  );
  // The chat widget runs on tenants' own sites: any origin may ask (CORS), and the context builder
  // then admits only the origins the key's tenant allows. Bearer tokens are not accepted here.
  app.use(
    WIDGET_PATH,
    cors({ origin: true, methods: ['POST'], allowedHeaders: ['content-type', 'x-widget-key', 'authorization'], maxAge: 600 }),
    express.json({ limit: '16kb' }),
    graphqlDoor(buildWidgetContext),
  );
  app.use(jsonNotFound());
  app.use(jsonErrors(logger));
  return new GatewayServer(app, apollo, deps, httpServer, ownedEvents, redis, fetcher, lifecycle);
}
