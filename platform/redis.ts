import Redis, { type Command, type RedisOptions } from 'ioredis';
import { problem, type Env } from './env';

/** Default deployment prefix of every Redis key and channel (`REDIS_PREFIX`). */
export const DEFAULT_REDIS_PREFIX = 'cx:';

/** A command that takes longer is given up; callers then fall back (see each user). */
export const REDIS_COMMAND_TIMEOUT_MS = 500;

/**
 * A key or channel name inside one deployment's namespace, so two deployments sharing a Redis
 * never read, bump or clear each other's state: `redisKey('cx:', 'rl', 'requests')` → `cx:rl:requests`.
 */
export function redisKey(prefix: string, ...parts: string[]): string {
  return prefix + parts.join(':');
}

/** Whether a value is usable as a deployment prefix: short, printable, no spaces, ends in `:`. */
export function validRedisPrefix(value: string): boolean {
  return /^[A-Za-z0-9_.\-{}]{1,40}:$/.test(value);
}

export interface RedisClientOptions {
  /** Names the connection in `CLIENT LIST` (which process, which use). */
  name?: string;
  /** Per command; defaults to REDIS_COMMAND_TIMEOUT_MS. */
  commandTimeoutMs?: number;
}

/**
 * The one way this code base opens Redis. While Redis is unreachable commands fail at once instead
 * of queueing (no offline queue, one retry, a command deadline), so every caller can fall back
 * without waiting and nothing piles up in memory; the client reconnects by itself, forever, with
 * a capped backoff, so everything recovers when Redis returns.
 */
export function createRedisClient(url: string, options: RedisClientOptions & RedisOptions = {}): Redis {
  const { name, commandTimeoutMs, ...overrides } = options;
  // A subscriber (live events) may turn the deadline off with `commandTimeout: undefined`.
  const deadlineMs = 'commandTimeout' in overrides ? overrides.commandTimeout : (commandTimeoutMs ?? REDIS_COMMAND_TIMEOUT_MS);
  const client = new Redis(url, {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), 2_000),
    // Pub/sub subscribers reconnect and resubscribe; plain clients need nothing more.
    autoResubscribe: true,
    // A subscriber (live events) may ask for its own settings.
    ...overrides,
    // The deadline is kept by withCommandDeadline, never by ioredis's bare timer.
    commandTimeout: undefined,
  });
  if (deadlineMs !== undefined) withCommandDeadline(client, deadlineMs);
  // Errors surface on the commands; an unhandled 'error' event would crash the process.
  client.on('error', () => undefined);
  firstConnections.set(
    client,
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, FIRST_CONNECTION_WAIT_MS);
      timer.unref();
      client.once('ready', () => (clearTimeout(timer), resolve()));
      client.once('end', () => (clearTimeout(timer), resolve()));
    }),
  );
  return client;
}

/**
 * Each command fails ('Command timed out') when no reply has been read by the first look at the
 * sockets after its deadline. ioredis's own `commandTimeout` is a bare timer, and Node runs expired
 * timers before it reads sockets: with the loop kept busy past the deadline by other work (a
 * loaded process), a command whose reply had come back at once failed all the same, and its caller
 * fell back to its slower path (access answers asked of identity, budgets per instance) just when
 * the process was busiest. Here the expired timer hands over to `setImmediate`, which runs after
 * that turn's poll phase has read whatever arrived; a hung Redis still fails the command at about
 * its deadline.
 */
function withCommandDeadline(client: Redis, ms: number): void {
  const armed = new WeakSet<Command>();
  const send = client.sendCommand.bind(client) as (command: Command, ...rest: unknown[]) => unknown;
  const expire = (command: Command) => {
    if (!command.isResolved) command.reject(new Error('Command timed out'));
  };
  (client as { sendCommand: (command: Command, ...rest: unknown[]) => unknown }).sendCommand = (command, ...rest) => {
    // A command sent again (after a reconnection) keeps its first deadline, as ioredis's does.
    if (!armed.has(command)) {
      armed.add(command);
      const timer = setTimeout(() => setImmediate(expire, command), ms);
      const clear = () => clearTimeout(timer);
      command.promise.then(clear, clear);
    }
    return send(command, ...rest);
  };
}

/** How long the first commands of a new client wait for its first connection. */
const FIRST_CONNECTION_WAIT_MS = 2_000;
const firstConnections = new WeakMap<Redis, Promise<void>>();

/**
 * Resolves once a new client has connected for the first time (or given up waiting): without an
 * offline queue, a command sent while the first connection is still being made would fail. Later
 * outages are not waited for: commands then fail at once.
 */
export function firstConnection(client: Redis): Promise<void> {
  return firstConnections.get(client) ?? Promise.resolve();
}

/** Closes a client whatever its state: QUIT when connected, and stops reconnecting in any case. */
export async function closeRedisClient(client: Redis | undefined): Promise<void> {
  if (!client) return;
  if (client.status === 'ready') await client.quit().catch(() => undefined);
  client.disconnect();
}

/** `REDIS_PREFIX`: one deployment's namespace in a shared Redis. */
export function redisPrefix(env: Env): string {
  const value = env.REDIS_PREFIX || DEFAULT_REDIS_PREFIX;
  if (validRedisPrefix(value)) return value;
  problem('REDIS_PREFIX must be 1-40 letters, digits or _.-{} followed by ":" (e.g. cx-prod:)');
  return DEFAULT_REDIS_PREFIX;
}
