import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import express from 'express';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { CONTEXT_HEADER, requestDigest } from '../../platform/contracts/signed-context';
import { accessEvents, type AccessEvents } from '../../platform/access-events';
import { REQUEST_ID_HEADER, wellFormedRequestId } from '../../platform/access-log';
import { SUBGRAPH_NAMES } from '../../platform/contracts/service-links';
import { budgetForNextHop, DEADLINE_HEADER } from '../../platform/deadline';
import { DomainError, refusesRequest, unauthenticated } from '../../platform/errors';
import { jsonErrors, jsonNotFound } from '../../platform/http-errors';
import { Lifecycle } from '../../platform/lifecycle';
import { createLogger } from '../../platform/logger';
import { closeRedisClient, createRedisClient } from '../../platform/redis';
import { createAdmission, type Admission } from '../admission';
import { gatewayReadiness } from '../health';
import { createDeps } from '../server';
import type { GatewayDeps } from '../deps';
import { FETCH_TIMEOUT_HEADER } from '../subgraph-fetcher';
import { ADMISSION_ENTRY, seal, unseal } from './admission-seal';
import type { CoprocessorConfig } from './config';
import { forwardedClientAddress, trustedRanges } from '../../platform/addresses';
import { expressApp } from '../../platform/http-app';

/** Apollo Router's external coprocessor protocol, version 1: the fields this coprocessor reads and answers. */
export type HeaderMap = Record<string, string[]>;
export type Control = 'continue' | { break: number };

export interface CoprocessorRequest {
  version: number;
  stage: string;
  control: Control;
  id: string;
  subgraphRequestId?: string;
  headers?: HeaderMap;
  body?: unknown;
  context?: { entries?: Record<string, unknown> };
  serviceName?: string;
  uri?: string;
  method?: string;
  path?: string;
  sdl?: string;
}

export interface CoprocessorResponse {
  version: number;
  stage: string;
  control: Control;
  id: string;
  subgraphRequestId?: string;
  serviceName?: string;
  headers?: HeaderMap;
  body?: unknown;
  context?: { entries: Record<string, unknown> };
}

export const COPROCESSOR_PATH = '/coprocessor';

/** Headers only the gateway (here: this coprocessor) sets on a subgraph request; whatever a client sent under these names is dropped. */
const CONTEXT_HEADERS = [CONTEXT_HEADER, DEADLINE_HEADER, FETCH_TIMEOUT_HEADER];
const SUBGRAPHS = new Set<string>(SUBGRAPH_NAMES);
const ADMISSION_PURPOSE = 'router-coprocessor-admission';

export interface CoprocessorServerOptions {
  logger?: Logger;
  /** Defaults to Redis when REDIS_URL is set, else the in-process channel. */
  accessEvents?: AccessEvents;
}

/** Header names in lower case (HTTP's are case-insensitive; the Router's map is not guaranteed to be). */
function normalised(headers: HeaderMap | undefined): HeaderMap {
  const out: HeaderMap = {};
  for (const [name, values] of Object.entries(headers ?? {})) {
    if (!Array.isArray(values)) continue;
    const key = name.toLowerCase();
    out[key] = [...(out[key] ?? []), ...values.filter((value): value is string => typeof value === 'string')];
  }
  return out;
}

const without = (headers: HeaderMap, names: string[]) => Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name)));

/** The control fields echoed as received: the Router treats a changed one as a failed call. */
const echo = (request: CoprocessorRequest) => ({
  version: request.version,
  stage: request.stage,
  id: request.id,
  ...(request.subgraphRequestId !== undefined ? { subgraphRequestId: request.subgraphRequestId } : {}),
  ...(request.serviceName !== undefined ? { serviceName: request.serviceName } : {}),
});

/** A refusal in the gateway's error shape and HTTP status; the Router stage decides whether the body travels as a string. */
function refusal(error: DomainError, logger: Logger): { status: number; body: object; headers?: HeaderMap } {
  const { code, message } = error;
  const status = (error.extensions.http as { status?: number } | undefined)?.status ?? 400;
  const retryAfter = error.extensions.retryAfter;
  if (status >= 500 && code !== 'UNAVAILABLE') logger.error({ code, reason: message }, 'coprocessor refused a request');
  return {
    status,
    body: { errors: [{ message, extensions: { code, ...(retryAfter !== undefined ? { retryAfter } : {}) } }] },
    ...(retryAfter !== undefined ? { headers: { 'content-type': ['application/json'], 'retry-after': [String(retryAfter)] } } : {}),
  };
}

const internal = (): { status: number; body: object; headers?: HeaderMap } => ({ status: 500, body: { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] } });

export class CoprocessorServer {
  constructor(
    readonly app: express.Express,
    readonly deps: GatewayDeps,
    private readonly server: http.Server,
    readonly lifecycle: Lifecycle,
    private readonly ownedEvents?: AccessEvents,
    private readonly redis?: Redis,
  ) {}

  listen(port: number, host = '127.0.0.1'): Promise<{ url: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const address = this.server.address() as AddressInfo;
        resolve({ port: address.port, url: `http://${host}:${address.port}${COPROCESSOR_PATH}` });
      });
    });
  }

  async close(): Promise<void> {
    this.lifecycle.beginShutdown();
    await this.deps.directory.close();
    if (this.server.listening) {
      this.server.closeIdleConnections();
      await new Promise((resolve) => this.server.close(resolve));
    }
    await this.ownedEvents?.close();
    await closeRedisClient(this.redis);
  }
}

/** The stages: RouterRequest admits (or breaks), SubgraphRequest signs that admission for one subgraph and body. */
export function coprocessorStages(config: CoprocessorConfig, deps: GatewayDeps, admit: Admission, logger: Logger) {
  const sealKey = deps.signer.derivedKey(ADMISSION_PURPOSE);
  const ranges = trustedRanges(config.gateway.trustProxy);

  async function routerRequest(request: CoprocessorRequest): Promise<CoprocessorResponse> {
    // A CORS preflight carries no credentials and reaches no subgraph: it passes unadmitted (without
    // an admission every SubgraphRequest is refused).
    if (request.method === 'OPTIONS') return { ...echo(request), control: 'continue' };
    const headers = normalised(request.headers);
    const requestId = wellFormedRequestId(headers[REQUEST_ID_HEADER]?.[0]) ?? wellFormedRequestId(request.id) ?? randomUUID();
    const clientIp = forwardedClientAddress(headers[config.clientAddressHeader], ranges);
    try {
      if (!clientIp) {
        // Without the proxy's header nobody knows who is calling: no allowlist could hold, so nothing is admitted.
        logger.warn({ requestId, header: config.clientAddressHeader }, 'request denied: no client address (is the proxy in front of the Router setting the header?)');
        throw refusesRequest(new DomainError('IP_NOT_ALLOWED', 'The client address could not be determined'));
      }
      const authorization = headers.authorization?.length === 1 ? headers.authorization[0] : undefined;
      if ((headers.authorization?.length ?? 0) > 1) throw refusesRequest(unauthenticated('Invalid or expired access token'));
      const { claims } = await admit({ requestId, clientIp, authorization, operation: null });
      const deadline = Date.now() + config.gateway.deadlines.requestMs;
      return {
        ...echo(request),
        control: 'continue',
        // Dropped from the client request itself, so no header propagation rule can pass them on.
        // (Headers not sent are not answered: an answer replaces them all.)
        ...(request.headers ? { headers: without(headers, CONTEXT_HEADERS) } : {}),
        context: { entries: { [ADMISSION_ENTRY]: seal(sealKey, request.id, { claims, deadline }) } },
      };
    } catch (error) {
      const refused = error instanceof DomainError ? refusal(error, logger) : (logger.error({ err: error, requestId }, 'admission failed'), internal());
      // RouterRequest bodies are strings (JSON text), both ways.
      return { ...echo(request), control: { break: refused.status }, body: JSON.stringify(refused.body), ...(refused.headers ? { headers: refused.headers } : {}) };
    }
  }

  function subgraphRequest(request: CoprocessorRequest): CoprocessorResponse {
    const refuse = (error: DomainError) => {
      const refused = refusal(error, logger);
      return { ...echo(request), control: { break: refused.status }, body: refused.body };
    };
    const subgraph = request.serviceName;
    if (!subgraph || !SUBGRAPHS.has(subgraph)) {
      logger.error({ serviceName: subgraph ?? null }, 'SubgraphRequest for no known subgraph (is service_name sent?)');
      return { ...echo(request), control: { break: 500 }, body: internal().body };
    }
    const admitted = unseal(sealKey, request.id, request.context?.entries?.[ADMISSION_ENTRY]);
    if (!admitted) {
      logger.warn({ subgraph, id: request.id }, 'subgraph request denied: no admission for this request (is context sent?)');
      return refuse(refusesRequest(unauthenticated('The request was not admitted')));
    }
    const body = request.body as { query?: unknown; variables?: unknown } | undefined;
    // The headers answered replace the subgraph request's: without the Router's own they would be lost.
    if (!body || typeof body !== 'object' || (body.query !== undefined && typeof body.query !== 'string') || !request.headers) {
      logger.error({ subgraph, requestId: admitted.claims.requestId }, 'SubgraphRequest without a GraphQL body or headers (are body and headers sent?)');
      return { ...echo(request), control: { break: 500 }, body: internal().body };
    }
    // The digest is over the body the Router sends: the subgraph recomputes it from what it receives.
    const token = deps.signer.sign(admitted.claims, subgraph, requestDigest(body.query as string | undefined, body.variables));
    const remaining = Math.max(0, admitted.deadline - Date.now());
    return {
      ...echo(request),
      control: 'continue',
      headers: {
        ...without(normalised(request.headers), [...CONTEXT_HEADERS, REQUEST_ID_HEADER]),
        [CONTEXT_HEADER]: [token],
        [REQUEST_ID_HEADER]: [admitted.claims.requestId],
        [DEADLINE_HEADER]: [String(budgetForNextHop(remaining))],
      },
    };
  }

  return async (request: CoprocessorRequest): Promise<CoprocessorResponse | null> => {
    switch (request.stage) {
      case 'RouterRequest':
        return routerRequest(request);
      case 'SubgraphRequest':
        return subgraphRequest(request);
      default:
        return null;
    }
  };
}

const sameSecret = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/** Builds the coprocessor (the gateway's admission and signing behind Apollo Router) without listening. */
export async function createCoprocessorServer(config: CoprocessorConfig, options: CoprocessorServerOptions = {}): Promise<CoprocessorServer> {
  const { gateway } = config;
  const logger = options.logger ?? createLogger('coprocessor', gateway.logLevel);
  // As the gateway: revocations through the shared access versions, budgets in Redis when there is one.
  const ownedEvents = !options.accessEvents && gateway.redisUrl ? accessEvents(gateway.redisUrl, gateway.redisPrefix, gateway.deadlines.redisMs) : undefined;
  const redis = gateway.redisUrl ? createRedisClient(gateway.redisUrl, { name: 'coprocessor', commandTimeoutMs: gateway.deadlines.redisMs }) : undefined;
  const deps = await createDeps(gateway, options.accessEvents ?? ownedEvents ?? accessEvents(), redis);
  const stages = coprocessorStages(config, deps, createAdmission(deps, logger, gateway), logger);

  const app = expressApp();
  const server = http.createServer(app);
  const lifecycle = new Lifecycle();
  lifecycle.mount(app, gatewayReadiness(gateway.subgraphUrls.identity, gateway.lifecycle.healthTimeoutMs), gateway.lifecycle.healthTimeoutMs);
  const handle: express.RequestHandler = async (req, res, next) => {
    const secret = (req.params as { secret?: string }).secret;
    if (config.secret ? !secret || !sameSecret(secret, config.secret) : secret !== undefined) {
      next();
      return;
    }
    const request = req.body as Partial<CoprocessorRequest> | undefined;
    if (!request || request.version !== 1 || typeof request.stage !== 'string' || typeof request.id !== 'string') {
      res.status(400).json({ errors: [{ message: 'Not a coprocessor request (version 1)', extensions: { code: 'BAD_REQUEST' } }] });
      return;
    }
    try {
      const answer = await stages(request as CoprocessorRequest);
      // A stage this coprocessor does not handle: unchanged (the Router should not be sending it).
      res.json(answer ?? { ...echo(request as CoprocessorRequest), control: 'continue' });
    } catch (error) {
      next(error);
    }
  };
  // Subgraph bodies carry entity representations: larger than a client's.
  const json = express.json({ limit: '8mb' });
  app.post(COPROCESSOR_PATH, json, handle);
  app.post(`${COPROCESSOR_PATH}/:secret`, json, handle);
  app.use(jsonNotFound());
  app.use(jsonErrors(logger));
  return new CoprocessorServer(app, deps, server, lifecycle, ownedEvents, redis);
}
