import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';

/** How a surface words a refusal: GraphQL's `{ errors }` by default, OAuth's `{ error }` on the token endpoint. */
export type ErrorShape = (status: number, code: string, message: string) => object;

export const graphqlShape: ErrorShape = (_status, code, message) => ({ errors: [{ message, extensions: { code } }] });

/** RFC 6749 §5.2 keeps `error`; `errors` lets a GraphQL client read the same answer. */
export const oauthShape: ErrorShape = (status, code, message) => ({
  error: status >= 500 ? 'temporarily_unavailable' : 'invalid_request',
  error_description: message,
  ...graphqlShape(status, code, message),
});

/** Body-parser's error types, answered in words that reveal nothing about the server. */
const BODY_ERRORS: Record<string, string> = {
  'entity.parse.failed': 'The request body is not valid JSON',
  'entity.too.large': 'The request body is too large',
  'charset.unsupported': 'Unsupported charset; send UTF-8',
  'encoding.unsupported': 'Unsupported content encoding',
  'request.aborted': 'The request was aborted',
  'request.size.invalid': 'The request body does not match its Content-Length',
  'parameters.too.many': 'Too many parameters',
};

function answer(res: Response, shape: ErrorShape, status: number, code: string, message: string): void {
  if (res.headersSent) return;
  res.status(status).set('Cache-Control', 'no-store').json(shape(status, code, message));
}

/**
 * Last in the chain: Express's default handler answers HTML, with a stack trace and file paths
 * in development. Malformed or over-size bodies are the client's (4xx, BAD_REQUEST); anything
 * else is logged and masked.
 */
export function jsonErrors(logger: Logger, shape: ErrorShape = graphqlShape): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) return next(error);
    const { status, statusCode, type, expose } = (error ?? {}) as { status?: number; statusCode?: number; type?: string; expose?: boolean };
    const httpStatus = status ?? statusCode ?? 500;
    if (httpStatus >= 400 && httpStatus < 500 && (expose !== false || type)) {
      answer(res, shape, httpStatus, 'BAD_REQUEST', (type && BODY_ERRORS[type]) || 'Bad request');
      return;
    }
    logger.error({ err: error }, 'unhandled request error');
    answer(res, shape, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
  };
}

/** Unknown paths and methods: JSON 404 instead of Express's HTML page. */
export function jsonNotFound(shape: ErrorShape = graphqlShape): RequestHandler {
  return (_req, res) => answer(res, shape, 404, 'NOT_FOUND', 'No such endpoint');
}
