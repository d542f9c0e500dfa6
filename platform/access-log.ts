import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type express from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';

export const REQUEST_ID_HEADER = 'x-request-id';
/** An incoming id is kept only in this shape: no spaces, quotes or control characters reach a log. */
const WELL_FORMED = /^[A-Za-z0-9._:-]{8,128}$/;

/** What a request turned out to be, filled in by whoever learns it (context builder, plugins). */
export interface AccessEntry {
  requestId?: string;
  tenant?: string | null;
  tenantId?: string | null;
  principal?: string;
  operation?: string | null;
}

const entries = new WeakMap<object, AccessEntry>();

/** The access-log entry of this response (created on first use). */
export function accessEntry(res: object): AccessEntry {
  let entry = entries.get(res);
  if (!entry) entries.set(res, (entry = {}));
  return entry;
}

/** On the GraphQL context; a symbol, since Apollo copies the context for each operation. */
const ENTRY = Symbol('accessEntry');

/** Ties a request's GraphQL context to its entry, so Apollo plugins can add the operation name. */
export function bindAccessEntry(context: object, res: object): void {
  Object.defineProperty(context, ENTRY, { value: accessEntry(res), enumerable: true });
}

export function wellFormedRequestId(value: string | undefined): string | null {
  return value && WELL_FORMED.test(value) ? value : null;
}

/** The request's id: the one the access log gave it, or a new one when it was never logged (tests). */
export function requestIdOf(req: express.Request): string {
  const id = (req as unknown as { id?: unknown }).id;
  return typeof id === 'string' ? id : randomUUID();
}

const pathOf = (req: IncomingMessage) => {
  const url = (req as express.Request).originalUrl ?? req.url ?? '/';
  return url.split('?')[0].slice(0, 200);
};

/**
 * One line per request, on whatever path it ends (GraphQL, health, 404, a body-parser error): id,
 * method, path, status, duration, and what the request resolved to (tenant, principal kind,
 * operation). Never headers, query text, variables, client addresses or anybody's name: the line
 * is for operating the service, and personal data has no place in it.
 */
export function accessLog(logger: Logger): express.RequestHandler {
  return pinoHttp({
    // Without the logger's redaction: the line below is built field by field from values that are
    // never a header, a body or a caller's object, and the per-request child binds the id alone.
    // With it, pino runs every wildcard path (`*.password`, `*.token`…) over that child's bindings
    // on every request, logged or not (the line is dropped at levels above info).
    logger: logger.child({}, { redact: [] }),
    quietResLogger: true,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const id = wellFormedRequestId(req.headers[REQUEST_ID_HEADER] as string | undefined) ?? randomUUID();
      // Set before anything answers, so error responses and 404s carry it too.
      res.setHeader('X-Request-Id', id);
      return id;
    },
    // pino-http binds the request to a per-request child logger (`req.log`), by default with its
    // headers (the bearer token among them, left to redaction) and the client's address, serialised
    // and redacted on every request. Nothing logs through it, and neither belongs in a line: it
    // carries the id alone.
    serializers: { req: (req: { id?: unknown }) => ({ id: req.id }) },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'warn' : 'info'),
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request completed',
    customSuccessObject: (req, res, value: { responseTime: number }) => line(req, res, value.responseTime),
    customErrorObject: (req, res, _error, value: { responseTime: number }) => line(req, res, value.responseTime),
  }) as unknown as express.RequestHandler;
}

function line(req: IncomingMessage, res: ServerResponse, durationMs: number) {
  const entry = entries.get(res) ?? {};
  return {
    requestId: entry.requestId ?? (req as unknown as { id: string }).id,
    method: req.method,
    path: pathOf(req),
    status: res.writableFinished || res.headersSent ? res.statusCode : null,
    durationMs,
    tenant: entry.tenant ?? null,
    tenantId: entry.tenantId ?? null,
    principal: entry.principal ?? null,
    operation: entry.operation ?? null,
  };
}

/** Adds the resolved operation's name to the access log (its name only: no query text, no variables). */
export const accessLogPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation(requestContext: { contextValue: object; operationName?: string | null; operation?: { operation: string } }) {
        const entry = (requestContext.contextValue as { [ENTRY]?: AccessEntry })[ENTRY];
        if (entry) entry.operation = (requestContext.operationName ?? requestContext.operation?.operation ?? null)?.slice(0, 100) ?? null;
      },
    };
  },
};
