import type { DataSource } from 'typeorm';
import { deadlinePassed, overDeadline, remainingMs } from '../../platform/deadline';

export interface DatabaseDeadlines {
  queryMs: number;
  acquireMs: number;
}

interface PooledConnection {
  release(): void;
  destroy(): void;
}

interface MysqlRunner {
  databaseConnection?: PooledConnection;
  query(...args: unknown[]): Promise<unknown>;
}

interface MysqlDriverInternals {
  options: Record<string, unknown>;
  createQueryRunner(mode: string): MysqlRunner;
  obtainMasterConnection(): Promise<PooledConnection>;
}

/** mysql2's error for a query that outlived its `timeout`: the connection is still waiting for its answer. */
const QUERY_TIMEOUT = 'PROTOCOL_SEQUENCE_TIMEOUT';

const codeOf = (error: unknown): string | undefined => {
  const { code, driverError } = (error ?? {}) as { code?: string; driverError?: { code?: string } };
  return driverError?.code ?? code;
};

/**
 * Bounds every MySQL statement a request makes by the request's deadline (and `queryMs` outside a
 * request), and the wait for a pooled connection by `acquireMs`. A statement that timed out leaves
 * its connection mid-protocol: it is destroyed rather than handed back, so a stalled connection
 * never poisons the pool. Applied after migrations, which may legitimately run long.
 */
export function applyDatabaseDeadlines(dataSource: DataSource, settings: DatabaseDeadlines): void {
  const type = dataSource.options.type;
  if (type !== 'mysql' && type !== 'mariadb') return;
  const driver = dataSource.driver as unknown as MysqlDriverInternals;
  // Read by TypeORM's query runner for each statement, after it holds its connection (so within the
  // request's async context).
  Object.defineProperty(driver.options, 'enableQueryTimeout', { value: true, configurable: true });
  Object.defineProperty(driver.options, 'maxQueryExecutionTime', {
    configurable: true,
    get: () => Math.max(1, remainingMs(settings.queryMs)),
  });

  // TypeORM would log a timed-out statement as slow, with its SQL and parameters: not here.
  (dataSource.logger as { logQuerySlow?: unknown }).logQuerySlow = () => undefined;

  const obtain = driver.obtainMasterConnection.bind(driver);
  driver.obtainMasterConnection = () =>
    new Promise((resolve, reject) => {
      let late = false;
      const timer = setTimeout(() => {
        late = true;
        reject(overDeadline('database'));
      }, Math.max(1, remainingMs(settings.acquireMs)));
      obtain().then(
        (connection) => {
          if (late) return connection.release();
          clearTimeout(timer);
          resolve(connection);
        },
        (error: unknown) => {
          if (late) return;
          clearTimeout(timer);
          reject(error);
        },
      );
    });

  const create = driver.createQueryRunner.bind(driver);
  driver.createQueryRunner = (mode: string) => {
    const runner = create(mode);
    const query = runner.query.bind(runner);
    runner.query = async (...args: unknown[]) => {
      if (deadlinePassed()) throw overDeadline('database');
      try {
        return await query(...args);
      } catch (error) {
        if (codeOf(error) === QUERY_TIMEOUT) {
          runner.databaseConnection?.destroy();
          throw overDeadline('database');
        }
        throw error;
      }
    };
    return runner;
  };
}
