import type http from 'node:http';
import express from 'express';
import type { ApolloGateway } from '@apollo/gateway';
import type { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import {
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { createHandler } from 'graphql-sse/lib/use/express';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { liveEvents, type LiveEvents } from '../../platform/live-events';
import { canonicalAddress } from '../../platform/addresses';
import type { GatewayConfig } from '../config';
import { assertTokenLimit } from '../limits';
import type { GatewayDeps } from '../deps';
import type { GatewayContext } from '../signed-data-source';
import { CLOSE, LiveAccess, LiveRefusal, type LiveSession } from './live-access';
import { livePage } from './live-page';
import { buildLiveSchema, byResponseKey, type LiveContext } from './live-schema';
import { RESERVED_ALIAS } from './remote-query';

// graphql-ws publishes its ws adapter through package exports only, which this TypeScript
// resolution (node10) does not read; the runtime does.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { useServer } = require('graphql-ws/use/ws') as typeof import('graphql-ws/dist/use/ws');

export const LIVE_PATH = '/graphql';
export const LIVE_SSE_PATH = '/graphql/stream';

const refusal = (message: string, code: string) => new GraphQLError(message, { extensions: { code } });

/** The client address of a WebSocket upgrade, by the same trust-proxy rule as Express's `req.ip`. */
function clientAddressOf(app: express.Express, request: http.IncomingMessage): string {
  const view = Object.create(app.request, { headers: { value: request.headers }, socket: { value: request.socket }, connection: { value: request.socket } }) as express.Request;
  return canonicalAddress(view.ip ?? request.socket.remoteAddress);
}

/**
 * Subscriptions at the gateway (@apollo/gateway does not federate them): graphql-ws over
 * WebSocket at /graphql and graphql-sse at /graphql/stream, on the supergraph's public schema.
 * Events come from the interactions subgraph over the live channel (ids only) and are resolved
 * as each subscriber's own query through the supergraph.
 */
export class LiveSubscriptions {
  private schema?: GraphQLSchema;
  private apollo?: ApolloServer<GatewayContext>;
  readonly access: LiveAccess;
  readonly events: LiveEvents;
  private readonly ownsEvents: boolean;
  private wss?: WebSocketServer;

  constructor(
    private readonly config: GatewayConfig,
    deps: GatewayDeps,
    private readonly logger: Logger,
    private readonly validationRules: ValidationRule[],
    events?: LiveEvents,
  ) {
    this.access = new LiveAccess(deps, config.live, logger);
    this.ownsEvents = !events && Boolean(config.redisUrl);
    this.events = events ?? liveEvents(config.redisUrl, config.redisPrefix);
  }

  /** Builds the live schema from the gateway's public schema, now and whenever it changes. */
  watch(gateway: ApolloGateway): void {
    gateway.onSchemaLoadOrUpdate(({ apiSchema }) => {
      this.schema = buildLiveSchema(apiSchema, { apollo: () => this.apollo!, events: this.events });
    });
  }

  /** Refuses subscriptions over plain HTTP (they have no event stream there), and stops with the server. */
  plugin(): ApolloServerPlugin<GatewayContext> {
    return {
      requestDidStart: async () => ({
        async didResolveOperation({ operation }) {
          if (operation?.operation === 'subscription') {
            throw new GraphQLError(`Subscriptions are served over WebSocket (graphql-transport-ws) at ${LIVE_PATH} and over SSE at ${LIVE_SSE_PATH}`, {
              extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
            });
          }
        },
      }),
      // Open sockets would hold the HTTP drain for its whole grace period.
      serverWillStart: async () => ({
        drainServer: async () => this.close(),
      }),
    };
  }

  mount(app: express.Express, httpServer: http.Server, apollo: ApolloServer<GatewayContext>): void {
    this.apollo = apollo;
    this.mountWebSocket(app, httpServer);
    this.mountSse(app);
    // A supervisor's watch page, in development only (plain JS, no CDN).
    if (!this.config.production) app.get('/live', (_req, res) => void res.type('html').setHeader('content-security-policy', "default-src 'self'; script-src 'unsafe-inline'; connect-src 'self' ws: wss:; style-src 'unsafe-inline'").send(livePage()));
  }

  async close(): Promise<void> {
    this.access.close();
    for (const client of this.wss?.clients ?? []) client.close(CLOSE.closed.code, 'server stopping');
    this.wss?.close();
    if (this.ownsEvents) await this.events.close();
  }

  /** Parses, validates and admits one subscription of a session; errors are answered to that subscription only. */
  private async prepare(session: LiveSession | undefined, query: unknown, variables: unknown, operationName: unknown): Promise<ExecutionArgs | GraphQLError[]> {
    if (!session || session.endedWith) return [refusal('Not admitted', 'UNAUTHENTICATED')];
    if (!this.schema) return [refusal('The schema is not loaded yet; retry', 'UNAVAILABLE')];
    if (typeof query !== 'string') return [refusal('query must be a string', 'BAD_USER_INPUT')];
    let document: DocumentNode;
    try {
      assertTokenLimit(query, this.config.limits.maxTokens);
      document = parse(query);
    } catch (error) {
      return [error instanceof GraphQLError ? error : refusal('Syntax error', 'GRAPHQL_PARSE_FAILED')];
    }
    const errors = validate(this.schema, document, [...specifiedRules, ...this.validationRules]);
    if (errors.length > 0) return [...errors];
    const name = typeof operationName === 'string' ? operationName : undefined;
    if (getOperationAST(document, name)?.operation !== 'subscription') {
      return [refusal('Only subscriptions are served here; send queries and mutations over HTTP', 'BAD_USER_INPUT')];
    }
    let reserved = false;
    visit(document, { Field: (node) => void (reserved ||= RESERVED_ALIAS.test(node.alias?.value ?? '')) });
    if (reserved) return [refusal('Aliases starting with _cxLive are reserved', 'BAD_USER_INPUT')];
    if (session.subscriptions >= this.config.live.maxSubscriptionsPerConnection) {
      return [refusal(`At most ${this.config.live.maxSubscriptionsPerConnection} subscriptions per connection`, 'RATE_LIMITED')];
    }
    // Taken before anything is awaited, so subscriptions sent together cannot all pass the cap.
    session.subscriptions += 1;
    try {
      await this.access.spend(session.context());
    } catch (error) {
      session.subscriptions -= 1;
      if (error instanceof LiveRefusal) return [refusal('Rate limit reached', 'RATE_LIMITED')];
      throw error;
    }
    const contextValue: LiveContext = { session };
    return {
      schema: this.schema,
      document,
      operationName: name,
      variableValues: variables && typeof variables === 'object' ? (variables as Record<string, unknown>) : undefined,
      contextValue,
      fieldResolver: byResponseKey,
      subscribeFieldResolver: byResponseKey,
    };
  }

  private mountWebSocket(app: express.Express, httpServer: http.Server): void {
    const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
    this.wss = wss;
    httpServer.on('upgrade', (request, socket, head) => {
      if (new URL(request.url ?? '/', 'http://gateway').pathname !== LIVE_PATH) return void socket.destroy();
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
    });
    const sessions = new WeakMap<WebSocket, LiveSession>();
    useServer(
      {
        connectionInitWaitTimeout: 10_000,
        onConnect: async (ctx) => {
          const { socket, request } = ctx.extra;
          const params = ctx.connectionParams ?? {};
          try {
            const session = await this.access.admit(params.authorization ?? params.Authorization ?? params.token, clientAddressOf(app, request), () => socket.bufferedAmount);
            sessions.set(socket, session);
            session.whenEnded((reason) => socket.close(reason.code, reason.reason));
            return true;
          } catch (error) {
            const reason = error instanceof LiveRefusal ? error.close : CLOSE.unavailable;
            if (!(error instanceof LiveRefusal)) this.logger.error({ err: error }, 'live connection failed');
            socket.close(reason.code, reason.reason);
            return false;
          }
        },
        onSubscribe: async (ctx, _id, payload) => {
          const session = sessions.get(ctx.extra.socket);
          return this.prepare(session, payload.query, payload.variables, payload.operationName);
        },
        onComplete: (ctx) => {
          const session = sessions.get(ctx.extra.socket);
          if (session) session.subscriptions = Math.max(0, session.subscriptions - 1);
        },
        onClose: (ctx) => sessions.get(ctx.extra.socket)?.end(CLOSE.closed),
      },
      wss,
    );
  }

  private mountSse(app: express.Express): void {
    const sessions = new WeakMap<express.Request, LiveSession>();
    const handler = createHandler<LiveContext>({
      authenticate: async (req) => {
        const raw = req.raw as express.Request;
        const res = req.context.res;
        try {
          const session = await this.access.admit(raw.header('authorization'), canonicalAddress(raw.ip ?? raw.socket.remoteAddress), () => res.writableLength);
          sessions.set(raw, session);
          res.on('close', () => session.end(CLOSE.closed));
          // Distinct connections only: one operation per request, ended with its session.
          return null;
        } catch (error) {
          const reason = error instanceof LiveRefusal ? error.close : CLOSE.unavailable;
          const status = reason.code === 4401 ? 401 : reason.code === 4429 ? 429 : reason.code === 4503 ? 503 : 403;
          return [JSON.stringify({ errors: [{ message: reason.reason, extensions: { code: status === 401 ? 'UNAUTHENTICATED' : status === 429 ? 'RATE_LIMITED' : 'FORBIDDEN', closeCode: reason.code, reason: reason.reason } }] }), { status, statusText: reason.reason }];
        }
      },
      onSubscribe: async (req, params) => {
        const session = sessions.get(req.raw as express.Request);
        const prepared = await this.prepare(session, params.query, params.variables, params.operationName);
        if (Array.isArray(prepared)) {
          session?.end(CLOSE.closed);
          return [JSON.stringify({ errors: prepared.map((e) => e.toJSON()) }), { status: 400, statusText: 'Bad Request' }] as [string, { status: number; statusText: string }];
        }
        return prepared as ExecutionArgs & { contextValue: LiveContext };
      },
    });
    app.post(LIVE_SSE_PATH, express.json({ limit: '100kb' }), (req, res) => {
      handler(req, res).catch((error: unknown) => {
        this.logger.error({ err: error }, 'live stream failed');
        if (!res.headersSent) res.status(500).json({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
        else res.end();
      });
    });
  }
}
