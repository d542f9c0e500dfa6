/**
 * Errors that mean a dependency (database, Redis, another service) is down or too slow, not a bug:
 * they answer UNAVAILABLE. Matched on the driver's error code, never on message text.
 */
const DEPENDENCY_CODES = new Set([
  // Sockets.
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // mysql2.
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_QUERY_INTERRUPTED',
  'ER_STATEMENT_TIMEOUT',
  // SQLite: locked past its busy timeout.
  'SQLITE_BUSY',
  // ioredis (and undici, for completeness).
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** ioredis says so in its class names; its commands carry no code when the connection is gone. */
const DEPENDENCY_CLASSES = new Set(['MaxRetriesPerRequestError', 'ConnectionClosedError']);

export function isDependencyFailure(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const { code, driverError, cause, name, fatal, message } = error as {
    code?: unknown;
    driverError?: unknown;
    cause?: unknown;
    name?: string;
    fatal?: boolean;
    message?: unknown;
  };
  if (typeof code === 'string' && DEPENDENCY_CODES.has(code)) return true;
  if (name && DEPENDENCY_CLASSES.has(name)) return true;
  // ioredis's own command timeout and mysql2's commands on a connection it closed after a fatal error.
  if (typeof message === 'string' && (message === 'Command timed out' || (fatal === true && /closed state/.test(message)))) return true;
  return isDependencyFailure(driverError, depth + 1) || isDependencyFailure(cause, depth + 1);
}
