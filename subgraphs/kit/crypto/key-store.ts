import fs from 'node:fs';
import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import type { SubgraphDeadlines, SubgraphName } from '../config';
import { mysqlTarget, runMigrationsExclusively } from '../data-source';
import { applyDatabaseDeadlines } from '../database-deadlines';
import { SubjectKey } from './subject-key.entity';

export interface KeyStoreSettings {
  subgraph: SubgraphName;
  databaseUrl?: string;
  dataDir: string;
  /** Query, connect and acquire timeouts, as for the subgraph's data. */
  deadlines?: Pick<SubgraphDeadlines, 'queryMs' | 'connectMs' | 'acquireMs'>;
}

const KEY_STORE_DEADLINES = { queryMs: 5_000, connectMs: 3_000, acquireMs: 3_000 };

/** `<subgraph database>_keys` on MySQL: a database of its own, backed up (or not) apart from the data. */
export function keyStoreDatabase(databaseUrl: string, subgraph: SubgraphName): string {
  return `${mysqlTarget(databaseUrl, subgraph).database}_keys`;
}

export const keyStoreFile = (dataDir: string, subgraph: SubgraphName) => path.join(dataDir, `${subgraph}-keys.sqlite`);

export class SubjectKeys1795890000000 implements MigrationInterface {
  name = 'SubjectKeys1795890000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE \`subject_keys\` (\`id\` varchar(36) NOT NULL, \`tenantId\` varchar(36) NOT NULL, \`createdAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), \`updatedAt\` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6), \`subjectId\` varchar(36) NOT NULL, \`wrappedKey\` varchar(200) NOT NULL, INDEX \`IDX_7f6b6241a59c3d119907cdf5c4\` (\`tenantId\`, \`id\`), UNIQUE INDEX \`IDX_2ac79fca56cae9c956d25fc618\` (\`tenantId\`, \`subjectId\`), PRIMARY KEY (\`id\`)) ENGINE=InnoDB`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE \`subject_keys\``);
  }
}

export const keyStoreMigrations: Function[] = [SubjectKeys1795890000000];

/** Builds (does not open) a subgraph's key store. */
export function buildKeyStore(settings: KeyStoreSettings, flavor: 'mysql' | 'mariadb' = 'mysql'): DataSource {
  if (settings.databaseUrl) {
    const { host, port, username, password } = mysqlTarget(settings.databaseUrl, settings.subgraph);
    return new DataSource({
      type: flavor,
      host,
      port,
      username,
      password,
      database: keyStoreDatabase(settings.databaseUrl, settings.subgraph),
      entities: [SubjectKey],
      migrations: keyStoreMigrations,
      migrationsTableName: 'migrations',
      synchronize: false,
      charset: 'utf8mb4_unicode_ci',
      timezone: 'Z',
      connectTimeout: (settings.deadlines ?? KEY_STORE_DEADLINES).connectMs,
      extra: { connectionLimit: 4 },
    });
  }
  fs.mkdirSync(settings.dataDir, { recursive: true });
  return new DataSource({
    type: 'better-sqlite3',
    database: keyStoreFile(settings.dataDir, settings.subgraph),
    entities: [SubjectKey],
    synchronize: true,
    prepareDatabase: (db: { pragma(statement: string): unknown }) => {
      // A deleted key must leave no bytes behind: freed content is zeroed, and with a rollback
      // journal (no WAL) the committed deletion is in the file itself, with no old page kept aside.
      db.pragma('secure_delete = ON');
      db.pragma('journal_mode = DELETE');
      db.pragma('busy_timeout = 5000');
      db.pragma('synchronous = FULL');
    },
  });
}

/** Opens the key store; on MySQL its database is created if missing and its migrations run. */
export async function openKeyStore(settings: KeyStoreSettings): Promise<DataSource> {
  let flavor: 'mysql' | 'mariadb' = 'mysql';
  if (settings.databaseUrl) {
    const { host, port, username, password } = mysqlTarget(settings.databaseUrl, settings.subgraph);
    const connection = await createConnection({ host, port, user: username, password, connectTimeout: (settings.deadlines ?? KEY_STORE_DEADLINES).connectMs });
    try {
      const database = keyStoreDatabase(settings.databaseUrl, settings.subgraph);
      await connection.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
      const [rows] = await connection.query('SELECT VERSION() AS version');
      flavor = /mariadb/i.test((rows as { version: string }[])[0].version) ? 'mariadb' : 'mysql';
    } finally {
      await connection.end();
    }
  }
  const keyStore = buildKeyStore(settings, flavor);
  await keyStore.initialize();
  if (settings.databaseUrl) await runMigrationsExclusively(keyStore);
  applyDatabaseDeadlines(keyStore, settings.deadlines ?? KEY_STORE_DEADLINES);
  return keyStore;
}
