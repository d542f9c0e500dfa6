import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { isDependencyFailure } from './dependency-errors';

/** The closed set of codes a client may see in `extensions.code`. */
export const ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'IP_NOT_ALLOWED',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'CONFLICT',
  'RATE_LIMITED',
  /** A service this operation depends on did not answer; nothing was done. */
  'UNAVAILABLE',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  IP_NOT_ALLOWED: 403,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

/** Extension keys a client may see; anything else (relayed URLs, bodies, internals) is dropped. */
const PUBLIC_EXTENSIONS = new Set(['code', 'field', 'retryAfter']);

/** Our codes plus those GraphQL itself produces (parsing, validation, variable coercion). */
const SAFE_CODES = new Set<string>([
  ...ERROR_CODES,
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

export class DomainError extends GraphQLError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    extra: Record<string, unknown> = {},
  ) {
    super(message, { extensions: { code, ...extra } });
    this.name = 'DomainError';
  }
}

/**
 * For errors that refuse a whole request (thrown before execution): sets the HTTP status. Field
 * errors never do, so a partly refused query still answers 200 with its other data.
 */
export function refusesRequest(error: DomainError): DomainError {
  const status = HTTP_STATUS[error.code] ?? 400;
  return new DomainError(error.code, error.message, { ...error.extensions, http: { status } });
}

export const unauthenticated = (message = 'Authentication required') => new DomainError('UNAUTHENTICATED', message);
export const forbidden = (message = 'Not allowed') => new DomainError('FORBIDDEN', message);
export const notFound = (what: string) => new DomainError('NOT_FOUND', `${what} not found`);
export const conflict = (message: string) => new DomainError('CONFLICT', message);
export const ipNotAllowed = () => new DomainError('IP_NOT_ALLOWED', 'Requests from this address are not allowed');
/** A bad input names the field so a client can show the message next to it. */
export const badInput = (field: string, message: string) =>
  new DomainError('BAD_USER_INPUT', `${field}: ${message}`, { field });

interface ValidationFailure {
  property: string;
  constraints?: Record<string, string>;
  children?: ValidationFailure[];
}

function firstFailure(errors: ValidationFailure[], prefix = ''): { field: string; message: string } | undefined {
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const message = error.constraints && Object.values(error.constraints)[0];
    if (message) return { field, message };
    const nested = error.children && firstFailure(error.children, field);
    if (nested) return nested;
  }
  return undefined;
}

/**
 * The one formatter every process uses: codes from the closed set and GraphQL's own protocol errors
 * pass; class-validator failures become BAD_USER_INPUT naming the field; everything else is masked
 * and logged, so no SQL text, stack trace or secret leaves the process.
 */
/** How graphql-js words an argument value it refuses at execution (values.ts, getArgumentValues). */
const ARGUMENT_REFUSAL = /^Argument "(\w+)" (?:of (?:non-null|required) type "[^"]+" (?:must not be null|was not provided|was provided the variable)|has invalid value)/;

export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const graphqlError = error instanceof GraphQLError ? error : undefined;
    const original = graphqlError?.originalError ?? error;
    const code = formatted.extensions?.code as string | undefined;
    const extensions = Object.fromEntries(
      Object.entries(formatted.extensions ?? {}).filter(([key]) => PUBLIC_EXTENSIONS.has(key)),
    );
    if (original instanceof DomainError) return { ...formatted, extensions };
    const validation = (original as { extensions?: { validationErrors?: ValidationFailure[] } } | undefined)
      ?.extensions?.validationErrors;
    if (validation) {
      const failure = firstFailure(validation);
      const field = failure?.field ?? 'input';
      return {
        message: `${field}: ${failure?.message ?? 'invalid value'}`,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: 'BAD_USER_INPUT', field },
      };
    }
    // graphql-js refuses some argument values only while executing (a null variable where the
    // argument is non-null but has a default): the client's mistake, named by the argument.
    const refusal = original instanceof GraphQLError ? original : undefined;
    const argument = refusal && ARGUMENT_REFUSAL.exec(refusal.message);
    if (refusal && argument) {
      return { message: refusal.message, locations: formatted.locations, path: formatted.path, extensions: { code: 'BAD_USER_INPUT', field: argument[1] } };
    }
    // Errors GraphQL raised itself, and errors relayed from a subgraph that already formatted them.
    if (graphqlError && code && SAFE_CODES.has(code)) {
      return { ...formatted, extensions };
    }
    // A database, Redis or service that is down or too slow is an outage, not a bug.
    if (isDependencyFailure(original)) {
      logger.warn({ reason: (original as Error).message, code: (original as { code?: string }).code, path: formatted.path }, 'dependency unavailable');
      return { message: 'A service this operation depends on did not answer', path: formatted.path, extensions: { code: 'UNAVAILABLE' } };
    }
    logger.error({ err: original, path: formatted.path }, 'internal error');
    return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
