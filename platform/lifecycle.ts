import type express from 'express';
import type { Logger } from 'pino';
import { int, type Env } from './env';

/** Where every process says whether it is ready; the gateway asks identity's before saying its own. */
export const READY_PATH = '/health/ready';

export interface LifecycleSettings {
  /** How long in-flight requests may take to finish once shutdown begins; then connections are cut. */
  drainMs: number;
  /** How long a readiness probe waits for a dependency before it counts as down. */
  healthTimeoutMs: number;
}

/** SHUTDOWN_DRAIN_MS (10 s) and HEALTH_TIMEOUT_MS (2 s), read by each process's config. */
export function lifecycleSettings(env: Env): LifecycleSettings {
  return { drainMs: int(env, 'SHUTDOWN_DRAIN_MS', 10_000, 0, 600_000), healthTimeoutMs: int(env, 'HEALTH_TIMEOUT_MS', 2_000, 0, 60_000) };
}

/** Why a process is not ready, or null when it is. */
export type ReadinessCheck = () => Promise<string | null>;

/**
 * A server's place in its life: ready once started, draining from the first shutdown step on.
 * Liveness stays 200 while draining (restarting a draining process would cut its requests);
 * readiness turns 503 so load balancers send nothing new.
 */
export class Lifecycle {
  private shuttingDown = false;

  get draining(): boolean {
    return this.shuttingDown;
  }

  beginShutdown(): void {
    this.shuttingDown = true;
  }

  /** `/health/live`, `/health/ready` (READY_PATH) and `/health` (the same as ready). */
  mount(app: express.Express, check: ReadinessCheck, timeoutMs: number): void {
    app.get('/health/live', (_req, res) => {
      res.json({ status: 'ok' });
    });
    const ready = async (_req: express.Request, res: express.Response) => {
      const reason = this.shuttingDown ? 'shutting down' : await withTimeout(check(), timeoutMs);
      res.setHeader('cache-control', 'no-store');
      if (reason) res.status(503).json({ status: 'unavailable', reason });
      else res.json({ status: 'ok' });
    };
    app.get(READY_PATH, ready);
    app.get('/health', ready);
  }
}

/** A check that does not answer in time is a dependency down; its error text stays in the process. */
async function withTimeout(check: Promise<string | null>, ms: number): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('dependency did not answer in time'), ms);
  });
  try {
    return await Promise.race([check.catch(() => 'dependency unreachable'), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The process owns SIGTERM and SIGINT (Apollo Server's own handlers are off): the first one runs
 * `stop` and exits 0 when it completes, 1 when it fails or overruns `boundMs`. Later signals are
 * ignored: a terminal's Ctrl-C reaches both npm and its child, and npm forwards it once more.
 */
export function onTerminationSignals(logger: Logger, stop: () => Promise<void>, boundMs: number, options: { whenOrphaned?: boolean } = {}): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals | 'parent exited') => {
    if (stopping) {
      logger.info({ signal }, 'already shutting down');
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const watchdog = setTimeout(() => {
      logger.error({ boundMs }, 'shutdown did not finish in time');
      process.exit(1);
    }, boundMs);
    watchdog.unref();
    stop().then(
      () => {
        logger.info('shut down');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
  if (options.whenOrphaned) {
    // `npm start` runs the script under `sh -c`, and sh does not pass npm's SIGTERM on: it dies and
    // leaves this process behind. Losing the parent that started us is then the signal to stop.
    const parent = process.ppid;
    const watch = setInterval(() => {
      if (process.ppid !== parent) {
        clearInterval(watch);
        handle('parent exited');
      }
    }, 250);
    watch.unref();
  }
}

/** How long a whole shutdown may take: the drain, then closing pools and stores. */
export const shutdownBound = (settings: LifecycleSettings) => settings.drainMs + 10_000;
