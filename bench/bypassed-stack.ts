import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import cors from 'cors';
import express from 'express';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { applyApolloTelemetry, type GatewayConfig } from '../gateway/config';
import { assertTokenLimit, budgetKey, costBudget, queryLimits, RateLimits, retryAfterOf } from '../gateway/limits';
import { outageStatus } from '../gateway/outage-status';
import { SignedContextDataSource, type GatewayContext } from '../gateway/signed-data-source';
import { createSubgraphFetcher } from '../gateway/subgraph-fetcher';
import { widgetOperations } from '../gateway/widget';
import { subgraphs } from '../subgraphs';
import { LocalAccessEvents, type AccessEvents } from '../platform/access-events';
import { accessEntry, accessLog, accessLogPlugin, bindAccessEntry, requestIdOf } from '../platform/access-log';
import { ContextSigner, ServiceContextSigner, type RequestClaims } from '../platform/contracts/signed-context';
import { SUBGRAPH_NAMES, type SubgraphConfig, type SubgraphName } from '../subgraphs/kit/config';
import { SubgraphContext, type ProcessDeps } from '../subgraphs/kit/context';
import type { SubgraphModule } from '../subgraphs/kit/server';
import type { Keyring } from '../subgraphs/kit/crypto/keyring';
import { deadlineMiddleware } from '../platform/deadline';
import { createErrorFormatter } from '../platform/errors';
import { createLogger } from '../platform/logger';
import { closeRedisClient, createRedisClient, firstConnection } from '../platform/redis';
import { jsonErrors, jsonNotFound } from '../platform/http-errors';
import { inputFieldNames } from '../subgraphs/kit/input-field.plugin';
import { ServiceClient } from '../subgraphs/kit/service-client';
import { observeDataSource, requestMetrics } from '../platform/telemetry/metrics';
import { expressApp } from '../platform/http-app';
import { CLAIMS_HEADER } from './bypassed-claims';

/**
 * The same subgraphs and gateway with the access-control layer taken out, for measuring its cost
 * only: no token check, no principal lookup, no allowlist, no signed contexts, no shield. Everything
 * else stays as the product assembles it: query limits (depth, aliases, directives, tokens), the
 * cost budget and rate limits, CORS, deadlines, the pooled fetcher, error formatting, access logs and
 * metrics, and data protection (encryption, audit). The tenant is fixed and passed in plain JSON.
 * Lives under bench/ and is never part of the product.
 */
const silent = pino({ level: 'silent' });

async function listen(app: express.Express, server = http.createServer(app)): Promise<{ server: http.Server; url: string }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` };
}

/** The subgraphs without shield or signed contexts; they take the claims from a plain header. */
export async function startBypassedSubgraphs(
  names: readonly SubgraphName[],
  dataSources: Record<SubgraphName, DataSource>,
  keyrings: Record<SubgraphName, Keyring>,
  config: SubgraphConfig,
  /** Where tenant versions (keys, settings) are read, as the secured subgraphs read them: Redis when it is configured. */
  events: AccessEvents = new LocalAccessEvents(),
) {
  const closers: (() => Promise<unknown>)[] = [];
  const urls = {} as Record<SubgraphName, string>;
  // The secured subgraph waits once per request on Redis (the replay guard's SET NX); while it
  // waits, the next requests come in and share the loop's turn, which on a busy CPU saves more
  // than the checks cost. The twin waits the same way on a PING, which checks nothing, so the
  // two loops gather work alike and the difference is the checks' own (README: Benchmarks).
  const waiter = config.redisUrl ? createRedisClient(config.redisUrl, { name: 'twin-wait', enableAutoPipelining: true }) : undefined;
  // A command that fails (Redis slow or away) is passed over, as the replay guard passes over its own.
  const wait = waiter ? () => firstConnection(waiter).then(() => waiter.ping()).catch(() => undefined) : async () => undefined;
  const requestMs = config.deadlines?.requestMs ?? 10_000;
  for (const name of names.length ? names : SUBGRAPH_NAMES) {
    // No service links in the twin: the benchmarked operations make no service calls.
    const noServices = new ServiceClient(new ServiceContextSigner(name, new Map()), urls, silent);
    observeDataSource(name, dataSources[name]);
    // The product's logger (its redaction included) at the configured level, as the secured subgraph has it.
    const logger = createLogger(name, config.logLevel);
    const process: ProcessDeps = { dataSource: dataSources[name], logger, accessEvents: events, keyring: keyrings[name], links: noServices, config };
    const module: SubgraphModule = subgraphs[name];
    const compose = module.compose(process);
    const app = expressApp();
    const httpServer = http.createServer(app);
    const apollo = new ApolloServer<SubgraphContext>({
      schema: await subgraphs[name].buildSchema(),
      stopOnTerminationSignals: false,
      introspection: !config.production,
      includeStacktraceInErrorResponses: false,
      formatError: createErrorFormatter(logger),
      // The secured subgraph's plugins but the denial log; its own (identity's read audit) stay.
      plugins: [
        requestMetrics(name),
        ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.lifecycle.drainMs }),
        ApolloServerPluginLandingPageDisabled(),
        ApolloServerPluginInlineTraceDisabled(),
        accessLogPlugin,
        inputFieldNames(),
        ...(subgraphs[name].plugins ?? []),
      ],
    });
    await apollo.start();
    app.disable('x-powered-by');
    app.use(accessLog(logger));
    app.use(
      '/graphql',
      express.json({ limit: '2mb' }),
      deadlineMiddleware(requestMs),
      expressMiddleware(apollo, {
        context: async ({ req, res }) => {
          await wait();
          const claims = JSON.parse(req.header(CLAIMS_HEADER)!) as RequestClaims;
          Object.assign(accessEntry(res), { requestId: claims.requestId, tenant: claims.tenant?.slug ?? null, tenantId: claims.tenant?.id ?? null, principal: claims.principal.kind });
          const context = new SubgraphContext(claims, process, compose);
          bindAccessEntry(context, res);
          return context;
        },
      }),
    );
    app.use(jsonNotFound());
    app.use(jsonErrors(logger));
    const { server, url } = await listen(app, httpServer);
    urls[name] = url;
    closers.push(async () => {
      await apollo.stop();
      await new Promise((resolve) => server.close(resolve));
    });
  }
  return {
    subgraphUrls: urls,
    // The waiter last: a request still draining waits on it.
    close: async () => {
      await Promise.all(closers.map((close) => close()));
      if (waiter) await closeRedisClient(waiter);
    },
  };
}

/** The product's data source (retry of reads on reset, outage answers, deadlines), sending plain claims instead of a signature. */
class PlainClaimsDataSource extends SignedContextDataSource {
  protected override contextHeader(claims: RequestClaims): [string, string] {
    return [CLAIMS_HEADER, JSON.stringify(claims)];
  }
}

/**
 * The product's gateway pipeline without its access control: the claims are fixed (no token, no
 * principal lookup, no allowlist, no signing); limits, budgets, CORS, deadlines, errors and the
 * logger as in gateway/server.ts.
 */
export async function startTwinGateway(config: GatewayConfig, urls: Record<SubgraphName, string>, claims: RequestClaims) {
  // Budgets where the secured gateway keeps them: in Redis when the stack runs with it.
  // The product's logger (its redaction included), as the secured gateway logs.
  const logger = createLogger('gateway', config.logLevel);
  const redis = config.redisUrl ? createRedisClient(config.redisUrl, { name: 'gateway-twin', commandTimeoutMs: config.deadlines.redisMs }) : undefined;
  const limits = new RateLimits(config, redis);
  const armor = queryLimits(config);
  const fetcher = createSubgraphFetcher(config.deadlines);
  const unused = new ContextSigner(randomBytes(32));
  // As the secured gateway: no usage export to Apollo unless configured.
  applyApolloTelemetry(config);
  const gateway = new ApolloGateway({
    supergraphSdl: fs.readFileSync(config.supergraphPath, 'utf8'),
    buildService: ({ name, url }) =>
      new PlainClaimsDataSource(name, urls[name as SubgraphName] ?? url!, unused, { fetcher: fetcher.fetcher, logger, fetchTimeoutMs: config.deadlines.subgraphFetchMs }),
    logger,
    // As gateway/server.ts plans.
    queryPlannerConfig: { exposeDocumentNodeInFetchNode: true },
  });
  const app = expressApp();
  const httpServer = http.createServer(app);
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    stopOnTerminationSignals: false,
    introspection: !config.production,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: config.production,
    allowBatchedHttpRequests: false,
    validationRules: armor.validationRules,
    formatError: createErrorFormatter(logger),
    plugins: [
      requestMetrics('gateway'),
      ...armor.plugins,
      costBudget(limits, config.limits.maxCost),
      widgetOperations(),
      outageStatus(),
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.lifecycle.drainMs }),
      accessLogPlugin,
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy.length > 0 ? config.trustProxy : false);
  app.use(accessLog(logger));
  app.use(
    '/graphql',
    cors({ origin: config.corsOrigins, methods: ['GET', 'POST'], maxAge: 600 }),
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => {
        assertTokenLimit((req.body as { query?: unknown } | undefined)?.query, config.limits.maxTokens);
        const context: GatewayContext = { claims: { ...claims, requestId: requestIdOf(req) }, deadline: Date.now() + config.deadlines.requestMs };
        try {
          await limits.takeRequest(budgetKey(context));
        } catch (error) {
          const retryAfter = retryAfterOf(error);
          if (retryAfter) res.setHeader('Retry-After', retryAfter);
          throw error;
        }
        Object.assign(accessEntry(res), { requestId: context.claims.requestId, tenant: claims.tenant?.slug ?? null, tenantId: claims.tenant?.id ?? null, principal: claims.principal.kind });
        bindAccessEntry(context, res);
        return context;
      },
    }),
  );
  app.use(jsonNotFound());
  app.use(jsonErrors(logger));
  const { server, url } = await listen(app, httpServer);
  return {
    gatewayUrl: url,
    close: async () => {
      await apollo.stop();
      await new Promise((resolve) => server.close(resolve));
      await fetcher.close();
      await closeRedisClient(redis);
    },
  };
}

/**
 * A vanilla `@apollo/gateway` with its default settings (default fetcher, no limits, no plugins)
 * over the bypassed subgraphs: the reference a Node gateway can be held to.
 */
export async function startVanillaGateway(urls: Record<SubgraphName, string>, claims: RequestClaims, supergraphPath: string) {
  const gateway = new ApolloGateway({
    supergraphSdl: fs.readFileSync(supergraphPath, 'utf8'),
    buildService: ({ name }) =>
      new (class extends RemoteGraphQLDataSource {
        override willSendRequest({ request }: GraphQLDataSourceProcessOptions) {
          request.http?.headers.set(CLAIMS_HEADER, JSON.stringify(claims));
        }
      })({ url: urls[name as SubgraphName] }),
  });
  const apollo = new ApolloServer({ gateway });
  await apollo.start();
  const app = express();
  app.use('/graphql', express.json({ limit: '1mb' }), expressMiddleware(apollo));
  const { server, url } = await listen(app);
  return {
    gatewayUrl: url,
    close: () => Promise.all([apollo.stop(), new Promise((resolve) => server.close(resolve))]),
  };
}
