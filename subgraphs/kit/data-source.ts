import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { DataSource, type MixedList, type EntitySchema } from 'typeorm';
import type { SubgraphDeadlines, SubgraphName } from './config';
import { applyDatabaseDeadlines } from './database-deadlines';

export interface DataSourceSettings {
  subgraph: SubgraphName;
  entities: MixedList<Function | string | EntitySchema>;
  migrations: MixedList<Function | string>;
  databaseUrl?: string;
  dataDir: string;
  /** MySQL and MariaDB describe columns differently; the server's own answer decides. */
  flavor?: MysqlFlavor;
  /** Timeouts for connecting, pooled connections and queries (defaults: config's). */
  deadlines?: Pick<SubgraphDeadlines, 'queryMs' | 'connectMs' | 'acquireMs' | 'poolSize'>;
}

const DEFAULT_DEADLINES = { queryMs: 5_000, connectMs: 3_000, acquireMs: 3_000, poolSize: 10 };

export type MysqlFlavor = 'mysql' | 'mariadb';

interface MysqlTarget {
  host: string;
  port: number;
  username: string;
  password: string;
  database: string;
}

/** One database per subgraph: `<prefix>_<subgraph>`, the prefix being the URL's path (default `cx`). */
export function mysqlTarget(databaseUrl: string, subgraph: SubgraphName): MysqlTarget {
  const url = new URL(databaseUrl);
  const prefix = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'cx';
  if (!/^[A-Za-z0-9_]+$/.test(prefix)) throw new Error('DATABASE_URL database prefix may use letters, digits and _');
  return {
    host: url.hostname,
    port: Number(url.port || 3306),
    username: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: `${prefix}_${subgraph}`,
  };
}

/** Builds (does not open) the subgraph's data source: MySQL with migrations, or SQLite synchronized. */
export function buildDataSource(settings: DataSourceSettings): DataSource {
  if (settings.databaseUrl) {
    const target = mysqlTarget(settings.databaseUrl, settings.subgraph);
    return new DataSource({
      ...target,
      type: settings.flavor ?? 'mysql',
      entities: settings.entities,
      migrations: settings.migrations,
      migrationsTableName: 'migrations',
      synchronize: false,
      charset: 'utf8mb4_unicode_ci',
      timezone: 'Z',
      dateStrings: false,
      supportBigNumbers: true,
      connectTimeout: (settings.deadlines ?? DEFAULT_DEADLINES).connectMs,
      extra: { connectionLimit: (settings.deadlines ?? DEFAULT_DEADLINES).poolSize },
    });
  }
  fs.mkdirSync(settings.dataDir, { recursive: true });
  return new DataSource({
    type: 'better-sqlite3',
    database: path.join(settings.dataDir, `${settings.subgraph}.sqlite`),
    entities: settings.entities,
    synchronize: true,
    prepareDatabase: (db: { pragma(statement: string): unknown }) => {
      db.pragma('journal_mode = WAL');
      // A locked database waits at most a query's timeout (better-sqlite3 blocks meanwhile).
      db.pragma(`busy_timeout = ${Math.min(5_000, (settings.deadlines ?? DEFAULT_DEADLINES).queryMs)}`);
      // Standard for WAL: commits survive a crash of the process, only an OS crash may lose the last few.
      db.pragma('synchronous = NORMAL');
      // Deleted rows are overwritten with zeros, so erased personal data does not linger in free pages.
      db.pragma('secure_delete = ON');
    },
  });
}

/** Creates the subgraph's MySQL database when it does not exist yet, and tells MySQL from MariaDB. */
export async function ensureMysqlDatabase(databaseUrl: string, subgraph: SubgraphName): Promise<MysqlFlavor> {
  const { host, port, username, password, database } = mysqlTarget(databaseUrl, subgraph);
  const connection = await createConnection({ host, port, user: username, password, connectTimeout: DEFAULT_DEADLINES.connectMs });
  try {
    await connection.query(
      `CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
    const [rows] = await connection.query('SELECT VERSION() AS version');
    return /mariadb/i.test((rows as { version: string }[])[0].version) ? 'mariadb' : 'mysql';
  } finally {
    await connection.end();
  }
}

/** Opens the data source; on MySQL the database is created if missing and pending migrations run. */
export async function openDataSource(settings: DataSourceSettings): Promise<DataSource> {
  const flavor = settings.databaseUrl ? await ensureMysqlDatabase(settings.databaseUrl, settings.subgraph) : undefined;
  const dataSource = buildDataSource({ ...settings, flavor });
  await dataSource.initialize();
  if (settings.databaseUrl) await runMigrationsExclusively(dataSource);
  applyDatabaseDeadlines(dataSource, settings.deadlines ?? DEFAULT_DEADLINES);
  return dataSource;
}

/** How long an instance waits for another one's migrations before giving up. */
export const MIGRATION_LOCK_WAIT_S = 120;

/**
 * Runs the pending migrations (MySQL) holding a named lock of the database (GET_LOCK), so that
 * instances starting together (replicas on an empty database) never run one migration twice: the
 * others wait for the lock, then find nothing pending. The lock goes with its connection, should
 * the process die.
 */
export async function runMigrationsExclusively(dataSource: DataSource, waitSeconds = MIGRATION_LOCK_WAIT_S): Promise<void> {
  const database = String(dataSource.options.database);
  // Lock names are at most 64 characters.
  const lock = `cx-migrate:${createHash('sha256').update(database).digest('hex').slice(0, 40)}`;
  const runner = dataSource.createQueryRunner();
  try {
    const [{ locked }] = (await runner.query('SELECT GET_LOCK(?, ?) AS locked', [lock, waitSeconds])) as { locked: number | string | null }[];
    if (Number(locked) !== 1) throw new Error(`migrations of ${database}: another instance held the migration lock for ${waitSeconds} s`);
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT RELEASE_LOCK(?)', [lock]);
    }
  } finally {
    await runner.release();
  }
}

/**
 * After an erasure on SQLite: copies the WAL into the database and truncates it, so the erased
 * rows' old page images (secure_delete zeroes the pages themselves) leave the -wal file too.
 */
export async function compactAfterErasure(dataSource: DataSource): Promise<void> {
  if (dataSource.options.type !== 'better-sqlite3') return;
  await dataSource.query('PRAGMA wal_checkpoint(TRUNCATE)');
}
