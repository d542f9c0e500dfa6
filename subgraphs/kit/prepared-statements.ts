import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { DataSource } from 'typeorm';
import { QueryFailedError } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata';
import { deadlinePassed, overDeadline } from '../../platform/deadline';

/** A value a prepared statement binds. */
export type SqlValue = string | number | boolean | null;

/**
 * Runs SQL text as prepared statements on a data source's own connections, outside the ORM's
 * query builder: each text is prepared once (per connection on MySQL/MariaDB) and reused. Only
 * TenantRepository builds the text, so every statement carries its tenant predicate. Each
 * statement is reported to the data source's logger as the ORM's would be.
 */
export interface StatementRunner {
  readonly mysql: boolean;
  /** Rows of a SELECT, as the driver returns them (hydrate with `hydrate`). */
  select(sql: string, params: readonly SqlValue[]): Promise<Record<string, unknown>[]>;
  /** An INSERT, UPDATE or DELETE in autocommit; returns the rows it changed. */
  execute(sql: string, params: readonly SqlValue[]): Promise<number>;
  quote(name: string): string;
}

interface SqliteStatement {
  reader: boolean;
  all(...params: unknown[]): Record<string, unknown>[];
  run(...params: unknown[]): { changes: number };
}

interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
}

interface PooledConnection {
  execute(options: { sql: string; timeout?: number }, values: unknown[], callback: (error: Error | null, result: unknown) => void): void;
  release(): void;
  destroy(): void;
}

interface MysqlDriverInternals {
  options: { enableQueryTimeout?: boolean; maxQueryExecutionTime?: number };
  obtainMasterConnection(): Promise<PooledConnection>;
  escape(name: string): string;
}

/** Prepared texts kept per SQLite database; IN lists are padded to powers of two, so shapes stay few. */
const SQLITE_STATEMENTS = 500;
const QUERY_TIMEOUT = 'PROTOCOL_SEQUENCE_TIMEOUT';
const tracer = trace.getTracer('cx-sqlite');

class SqliteStatements implements StatementRunner {
  readonly mysql = false;
  private readonly prepared = new Map<string, SqliteStatement>();
  private database?: SqliteDatabase;

  constructor(private readonly dataSource: DataSource) {}

  private statement(sql: string): SqliteStatement {
    const database = (this.dataSource.driver as unknown as { databaseConnection: SqliteDatabase }).databaseConnection;
    // A data source opened again has a new connection: statements of the old one are not reused.
    if (database !== this.database) {
      this.prepared.clear();
      this.database = database;
    }
    let statement = this.prepared.get(sql);
    if (!statement) {
      statement = database.prepare(sql);
      if (this.prepared.size >= SQLITE_STATEMENTS) this.prepared.delete(this.prepared.keys().next().value!);
      this.prepared.set(sql, statement);
    }
    return statement;
  }

  private run<R>(sql: string, params: readonly SqlValue[], work: (statement: SqliteStatement, values: unknown[]) => R): R {
    // better-sqlite3 binds no booleans.
    const values = params.map((value) => (typeof value === 'boolean' ? Number(value) : value));
    this.dataSource.logger.logQuery(sql, values);
    // better-sqlite3 has no OpenTelemetry instrumentation: one CLIENT span per statement, as for the
    // ORM's (platform/telemetry/sqlite-spans.ts), with placeholders and never the parameters.
    const operation = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? 'SQL';
    return tracer.startActiveSpan(operation, { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'sqlite', 'db.operation.name': operation, 'db.query.text': sql } }, (span) => {
      try {
        return work(this.statement(sql), values);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.setAttribute('error.type', (error as Error)?.name ?? 'Error');
        this.dataSource.logger.logQueryError(error as Error, sql, values);
        throw new QueryFailedError(sql, values, error as Error);
      } finally {
        span.end();
      }
    });
  }

  async select(sql: string, params: readonly SqlValue[]): Promise<Record<string, unknown>[]> {
    return this.run(sql, params, (statement, values) => statement.all(...values));
  }

  async execute(sql: string, params: readonly SqlValue[]): Promise<number> {
    return this.run(sql, params, (statement, values) => statement.run(...values).changes);
  }

  quote(name: string): string {
    return `"${name}"`;
  }
}

/**
 * mysql2's `execute`: the binary protocol, each text prepared once per pooled connection (mysql2
 * keeps them). The connection comes through the driver, so the pool's acquire deadline holds, and
 * each statement gets the request's remaining time (see database-deadlines.ts).
 */
class MysqlStatements implements StatementRunner {
  readonly mysql = true;

  constructor(private readonly dataSource: DataSource) {}

  private get driver(): MysqlDriverInternals {
    return this.dataSource.driver as unknown as MysqlDriverInternals;
  }

  private async run(sql: string, params: readonly SqlValue[]): Promise<unknown> {
    if (deadlinePassed()) throw overDeadline('database');
    const values = [...params];
    this.dataSource.logger.logQuery(sql, values);
    const { enableQueryTimeout, maxQueryExecutionTime } = this.driver.options;
    const connection = await this.driver.obtainMasterConnection();
    let healthy = true;
    try {
      return await new Promise((resolve, reject) =>
        connection.execute({ sql, ...(enableQueryTimeout && maxQueryExecutionTime ? { timeout: maxQueryExecutionTime } : {}) }, values, (error, result) =>
          error ? reject(error) : resolve(result),
        ),
      );
    } catch (error) {
      if ((error as { code?: string }).code === QUERY_TIMEOUT) {
        // The connection is still waiting for its answer: it is not handed back to the pool.
        healthy = false;
        connection.destroy();
        throw overDeadline('database');
      }
      this.dataSource.logger.logQueryError(error as Error, sql, values);
      throw new QueryFailedError(sql, values, error as Error);
    } finally {
      if (healthy) connection.release();
    }
  }

  async select(sql: string, params: readonly SqlValue[]): Promise<Record<string, unknown>[]> {
    return (await this.run(sql, params)) as Record<string, unknown>[];
  }

  async execute(sql: string, params: readonly SqlValue[]): Promise<number> {
    return ((await this.run(sql, params)) as { affectedRows?: number }).affectedRows ?? 0;
  }

  quote(name: string): string {
    return this.driver.escape(name);
  }
}

const runners = new WeakMap<DataSource, StatementRunner>();

export function statementRunner(dataSource: DataSource): StatementRunner {
  let runner = runners.get(dataSource);
  if (!runner) {
    const type = dataSource.options.type;
    runner = type === 'mysql' || type === 'mariadb' ? new MysqlStatements(dataSource) : new SqliteStatements(dataSource);
    runners.set(dataSource, runner);
  }
  return runner;
}

/** `?, ?, …` for an IN list of `count` values padded to the next power of two (repeating the last). */
export function padded(values: readonly SqlValue[]): SqlValue[] {
  let size = 1;
  while (size < values.length) size *= 2;
  const padded = [...values];
  while (padded.length < size) padded.push(values[values.length - 1]);
  return padded;
}

export const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(', ');

/** The column list of an entity's table, built once per metadata, runner kind and alias. */
const columnLists = new WeakMap<EntityMetadata, Map<string, string>>();

export function selectList(metadata: EntityMetadata, runner: StatementRunner, alias: string): string {
  let lists = columnLists.get(metadata);
  if (!lists) columnLists.set(metadata, (lists = new Map()));
  const key = `${runner.mysql}:${alias}`;
  let list = lists.get(key);
  if (!list) {
    list = metadata.columns.map((column) => `${alias}.${runner.quote(column.databaseName)}`).join(', ');
    lists.set(key, list);
  }
  return list;
}

/** Builds entities from rows the way the ORM's own reads would (the driver's conversions per column type). */
export function hydrate<T>(dataSource: DataSource, metadata: EntityMetadata, rows: Record<string, unknown>[]): T[] {
  const driver = dataSource.driver;
  const columns: ColumnMetadata[] = metadata.columns;
  return rows.map((row) => {
    const entity = metadata.create(undefined, { fromDeserializer: true }) as T;
    for (const column of columns) column.setEntityValue(entity as object, driver.prepareHydratedValue(row[column.databaseName], column));
    return entity;
  });
}
