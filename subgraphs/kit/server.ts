import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import { applyMiddleware, type IMiddlewareGenerator } from 'graphql-middleware';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { CONTEXT_HEADER, contextKeyFor, ContextVerifier, decodeSecret, requestDigest, ServiceContextSigner } from '../../platform/contracts/signed-context';
import { loadDevKeys } from '../../platform/dev-keys';
import type { SubgraphConfig, SubgraphName } from './config';
import { SubgraphContext, type ComposeServices, type ProcessDeps } from './context';
import type { RequestClaims } from '../../platform/contracts/signed-context';
import { openDataSource } from './data-source';
import { accessEvents, type AccessEvents, type TenantVersions } from '../../platform/access-events';
import type Redis from 'ioredis';
import { RedisReplayStore } from './auth/replay-store';
import { closeRedisClient, createRedisClient } from '../../platform/redis';
import { Keyring } from './crypto/keyring';
import { openKeyStore } from './crypto/key-store';
import { LocalMasterKeys, type MasterKeyProvider } from './crypto/master-keys';
import { createErrorFormatter, DomainError, refusesRequest, unauthenticated } from '../../platform/errors';
import { jsonErrors, jsonNotFound } from '../../platform/http-errors';
import { inputFieldNames } from './input-field.plugin';
import { createLogger } from '../../platform/logger';
import { accessEntry, accessLog, accessLogPlugin, bindAccessEntry } from '../../platform/access-log';
import { denialLog } from './auth/denial-log';
import { Lifecycle } from '../../platform/lifecycle';
import { subgraphReadiness } from './readiness';
import { deadlineMiddleware } from '../../platform/deadline';
import { observeDataSource, requestMetrics } from '../../platform/telemetry/metrics';
import { deriveServiceKeys, parseServiceKeys, ServiceClient, type ServiceLinkKeys } from './service-client';
import { GRAPHQL_PATH } from '../../platform/contracts/service-links';
import { IDENTITY_LOOKUPS_PREFIX } from '../../platform/contracts/identity-lookups';
import { expressApp } from '../../platform/http-app';

export interface RouteDeps extends ProcessDeps {
  verifier: ContextVerifier;
}

export interface WorkerDeps<S = unknown> extends ProcessDeps {
  /** A context for work the process does itself, built as a request's is (services included). */
  contextFor(claims: RequestClaims): SubgraphContext<S>;
}

/** Background work of a subgraph (retries, say), started with its server and stopped with it. */
export interface SubgraphWorker<S = unknown> {
  name: string;
  start(deps: WorkerDeps<S>): { stop(): Promise<void> } | null;
}

/** What each subgraph declares; the factory turns it into a server. */
export interface SubgraphModule<S = unknown> {
  name: SubgraphName;
  /**
   * The composition root: called once per process with what the process holds; returns what
   * builds each request's services (resolvers reach them as `ctx.services`, workers the same way).
   */
  compose(process: ProcessDeps): ComposeServices<S>;
  entities: Function[];
  migrations: Function[];
  /** The federated schema without authorization (composition prints it); never served as is. */
  buildSchema(): Promise<GraphQLSchema>;
  /** The subgraph's shield: every field's rule. */
  permissions: IMiddlewareGenerator<unknown, unknown, unknown>;
  /** Apollo plugins of the subgraph's own (e.g. identity's read audit). */
  plugins?: ApolloServerPlugin<SubgraphContext>[];
  /** Routes outside GraphQL (service-to-service calls), mounted before it and verified the same way. */
  routes?(router: express.Router, deps: RouteDeps): void;
  workers?: SubgraphWorker<S>[];
  /** Whether it keeps per-person keys (crypto-shredding) in a key store of its own. */
  subjectKeys?: boolean;
}

export interface SubgraphServerOptions {
  config: SubgraphConfig;
  /** An already open data source (tests); otherwise one is opened from the configuration. */
  dataSource?: DataSource;
  logger?: Logger;
  /** Defaults to Redis when REDIS_URL is set, else the in-process channel. */
  accessEvents?: AccessEvents;
}

export interface Listening {
  url: string;
  port: number;
}

/** The master keys wrapping tenant data keys: from configuration, or the generated development key. */
export async function masterKeys(config: SubgraphConfig): Promise<MasterKeyProvider> {
  return new LocalMasterKeys(config.masterKeys ?? (await loadDevKeys(config.keysDir)).masterKeys);
}

/** This subgraph's context key: from configuration, or derived from the development master secret. */
export async function contextKey(config: SubgraphConfig, name: SubgraphName): Promise<Uint8Array> {
  if (config.contextKey) return decodeSecret(config.contextKey, 'CONTEXT_KEY');
  return contextKeyFor(decodeSecret((await loadDevKeys(config.keysDir)).contextSecret, 'development context secret'), name);
}

/** The service-link keys this subgraph holds: from configuration, or derived from the development secret. */
export async function serviceKeys(config: SubgraphConfig, name: SubgraphName): Promise<ServiceLinkKeys> {
  if (config.serviceKeys) return parseServiceKeys(config.serviceKeys, name);
  return deriveServiceKeys(decodeSecret((await loadDevKeys(config.keysDir)).contextSecret, 'development context secret'), name);
}

/** The subgraph's keyring over its data source, with its key store opened when it keeps per-person keys. */
export async function openKeyring(
  module: Pick<SubgraphModule, 'name' | 'subjectKeys'>,
  dataSource: DataSource,
  config: SubgraphConfig,
  versions?: TenantVersions,
): Promise<Keyring> {
  const keyStore = module.subjectKeys
    ? await openKeyStore({ subgraph: module.name, databaseUrl: config.databaseUrl, dataDir: config.dataDir, deadlines: config.deadlines })
    : undefined;
  return new Keyring(dataSource, await masterKeys(config), keyStore, versions);
}

export class SubgraphServer {
  private httpServer?: http.Server;
  private workersStopped?: Promise<void>;

  constructor(
    readonly name: SubgraphName,
    readonly app: express.Express,
    readonly apollo: ApolloServer<SubgraphContext>,
    readonly dataSource: DataSource,
    /** A request's context over this process, as the HTTP door builds it (tests call it too). */
    readonly contextFor: (claims: RequestClaims) => SubgraphContext,
    readonly keyring: Keyring,
    private readonly server: http.Server,
    private readonly ownsDataSource: boolean,
    private readonly ownedEvents?: AccessEvents,
    private readonly workers: { stop(): Promise<void> }[] = [],
    readonly lifecycle = new Lifecycle(),
    private readonly redis?: Redis,
    private readonly links?: ServiceClient,
  ) {}

  listen(port: number, host = '127.0.0.1'): Promise<Listening> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.httpServer = this.server;
        const address = this.server.address() as AddressInfo;
        resolve({ port: address.port, url: `http://${host}:${address.port}/graphql` });
      });
    });
  }

  /** Background work ends first: a retry in flight finishes while the services it calls still listen. */
  stopWorkers(): Promise<void> {
    this.workersStopped ??= Promise.all(this.workers.map((worker) => worker.stop())).then(() => undefined);
    return this.workersStopped;
  }

  /**
   * Readiness turns 503, the listener closes, requests in flight get up to SHUTDOWN_DRAIN_MS to be
   * answered (idle keep-alive connections close at once), then the database and stores close.
   */
  async close(): Promise<void> {
    this.lifecycle.beginShutdown();
    await this.stopWorkers();
    await this.apollo.stop();
    if (this.httpServer?.listening) await new Promise((resolve) => this.httpServer!.close(resolve));
    if (this.ownsDataSource && this.dataSource.isInitialized) await this.dataSource.destroy();
    if (this.keyring.keyStore?.isInitialized) await this.keyring.keyStore.destroy();
    await this.ownedEvents?.close();
    await closeRedisClient(this.redis);
    await this.links?.close();
  }
}

/** Builds a subgraph server (schema, data source, HTTP app) without listening. */
export async function createSubgraphServer<S>(
  module: SubgraphModule<S>,
  options: SubgraphServerOptions,
): Promise<SubgraphServer> {
  const { config } = options;
  const logger = options.logger ?? createLogger(module.name, config.logLevel);
  const dataSource =
    options.dataSource ??
    (await openDataSource({
      subgraph: module.name,
      entities: module.entities,
      migrations: module.migrations,
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      deadlines: config.deadlines,
    }));
  observeDataSource(module.name, dataSource);
  const links = await serviceKeys(config, module.name);
  // Scale-out: shared state (context ids seen) in Redis, under the deployment's prefix.
  // One SET NX per request: those issued in the same turn go to Redis in one write (auto-pipelining),
  // each still answered on its own, so a replay is refused exactly as before.
  const redis = config.redisUrl ? createRedisClient(config.redisUrl, { name: `${module.name}-replay`, enableAutoPipelining: true }) : undefined;
  let replayWarned = 0;
  const verifier = new ContextVerifier(
    await contextKey(config, module.name),
    module.name,
    links.inbound,
    redis ? new RedisReplayStore(redis, config.redisPrefix) : undefined,
    () => {
      // At most one line a minute while Redis is away: each process then refuses only what it saw.
      if (Date.now() - replayWarned < 60_000) return;
      replayWarned = Date.now();
      logger.warn('replay guard: Redis unreachable, contexts checked per process until it returns');
    },
  );
  const services = new ServiceClient(new ServiceContextSigner(module.name, links.outbound), config.urls, logger, config.deadlines?.serviceCallMs);
  const ownedEvents = options.accessEvents ? undefined : config.redisUrl ? accessEvents(config.redisUrl, config.redisPrefix) : undefined;
  const events = options.accessEvents ?? ownedEvents ?? accessEvents();
  const schema = applyMiddleware(await module.buildSchema(), module.permissions);
  // Key versions live where access versions do: every process of the deployment sees a destruction.
  const keyring = await openKeyring(module, dataSource, config, events);
  const process: ProcessDeps = { dataSource, logger, accessEvents: events, keyring, links: services, config };
  const compose: ComposeServices<S> = module.compose(process);
  const contextFor = (claims: RequestClaims) => new SubgraphContext(claims, process, compose);

  const app = expressApp();
  const httpServer = http.createServer(app);
  const lifecycle = new Lifecycle();
  app.use(accessLog(logger));
  const apollo = new ApolloServer<SubgraphContext>({
    schema,
    // The process owns its signals (see lifecycle.ts): Apollo's would stop each server on its own.
    stopOnTerminationSignals: false,
    introspection: !config.production,
    includeStacktraceInErrorResponses: false,
    formatError: createErrorFormatter(logger),
    plugins: [
      requestMetrics(module.name),
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.lifecycle.drainMs }),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      accessLogPlugin,
      denialLog,
      inputFieldNames(),
      ...(module.plugins ?? []),
    ],
  });
  await apollo.start();

  lifecycle.mount(app, subgraphReadiness(dataSource, module.migrations.length > 0), config.lifecycle.healthTimeoutMs);
  const internal = express.Router();
  module.routes?.(internal, { ...process, verifier });
  const requestMs = config.deadlines?.requestMs ?? 10_000;
  // After the body parsers: their callbacks run outside the request's async context.
  app.use(IDENTITY_LOOKUPS_PREFIX, express.json({ limit: '100kb' }), deadlineMiddleware(requestMs), internal);
  app.use(
    GRAPHQL_PATH,
    express.json({ limit: '2mb' }),
    deadlineMiddleware(requestMs),
    expressMiddleware(apollo, {
      // Nothing runs, `_service` and `_entities` included, without a fresh gateway signature for this body.
      context: async ({ req, res }) => {
        const body = req.body as { query?: unknown; variables?: unknown } | undefined;
        try {
          // A body the gateway never sends (a query that is not text) is refused like any unsigned one.
          const query = typeof body?.query === 'string' ? body.query : undefined;
          if (body?.query !== undefined && query === undefined) throw refusesRequest(unauthenticated('Invalid gateway context'));
          const claims = await verifier.verify(req.header(CONTEXT_HEADER), requestDigest(query, body?.variables));
          Object.assign(accessEntry(res), {
            requestId: claims.requestId,
            tenant: claims.tenant?.slug ?? null,
            tenantId: claims.tenant?.id ?? null,
            principal: claims.principal.kind,
          });
          const context = contextFor(claims);
          bindAccessEntry(context, res);
          return context;
        } catch (error) {
          // Whoever calls a subgraph without a valid context is not the gateway: say so in the log.
          logger.warn({ peer: req.socket.remoteAddress, reason: (error as Error).message }, 'request denied');
          // A body that cannot even be digested (variables nested past the stack, say) is no gateway's either.
          throw error instanceof DomainError ? error : refusesRequest(unauthenticated('Invalid gateway context'));
        }
      },
    }),
  );
  app.use(jsonNotFound());
  app.use(jsonErrors(logger));
  const workers = (module.workers ?? [])
    .map((worker) => worker.start({ ...process, logger: logger.child({ worker: worker.name }), contextFor }))
    .filter((worker): worker is { stop(): Promise<void> } => worker !== null);
  return new SubgraphServer(module.name, app, apollo, dataSource, contextFor, keyring, httpServer, !options.dataSource, ownedEvents, workers, lifecycle, redis, services);
}
