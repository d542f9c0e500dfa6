import { createConnection } from 'mysql2/promise';
import { SUBGRAPH_NAMES } from '../../subgraphs/kit/config';
import { mysqlTarget } from '../../subgraphs/kit/data-source';
import { migratedDataSource, migratedKeyStore, pendingSchemaChanges } from '../../scripts/migrations';
import { testEnvironment, type TestEnvironment } from '../helpers/environment';

let env: TestEnvironment;
beforeAll(async () => {
  env = await testEnvironment();
});
afterAll(() => env?.cleanup());

describe('MySQL migrations', () => {
  it.each(SUBGRAPH_NAMES)('%s: migrations on an empty database leave no difference from the entities', async (name) => {
    const dataSource = await migratedDataSource(name, env.databaseUrl!);
    try {
      expect(await pendingSchemaChanges(dataSource)).toEqual({ up: [], down: [] });
      const tables = await dataSource.query('SHOW TABLES');
      expect(tables.length).toBeGreaterThan(1);
    } finally {
      await dataSource.destroy();
    }
  });

  it.each(['identity', 'interactions'] as const)('%s key store: its migrations leave no difference from its entity, in a database of its own', async (name) => {
    const keyStore = await migratedKeyStore(name, env.databaseUrl!);
    try {
      expect(await pendingSchemaChanges(keyStore)).toEqual({ up: [], down: [] });
      expect(keyStore.options.database).toBe(`${mysqlTarget(env.databaseUrl!, name).database}_keys`);
      const tables = (await keyStore.query('SHOW TABLES')).map((row: Record<string, string>) => Object.values(row)[0]).sort();
      expect(tables).toEqual(['migrations', 'subject_keys']);
      const leading = await keyStore.query(
        `SELECT DISTINCT INDEX_NAME AS i FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'subject_keys' AND COLUMN_NAME = 'tenantId' AND SEQ_IN_INDEX = 1`,
      );
      expect(leading.length).toBeGreaterThan(0);
    } finally {
      await keyStore.destroy();
    }
  });

  it('leads every tenant-owned table with a non-null tenantId index', async () => {
    const { host, port, username, password } = mysqlTarget(env.databaseUrl!, 'identity');
    const connection = await createConnection({ host, port, user: username, password });
    try {
      for (const name of SUBGRAPH_NAMES) {
        const database = mysqlTarget(env.databaseUrl!, name).database;
        const [columns] = await connection.query(
          `SELECT TABLE_NAME AS t, IS_NULLABLE AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND COLUMN_NAME = 'tenantId'`,
          [database],
        );
        const [leading] = await connection.query(
          `SELECT DISTINCT TABLE_NAME AS t FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND COLUMN_NAME = 'tenantId' AND SEQ_IN_INDEX = 1`,
          [database],
        );
        const owned = (columns as { t: string; n: string }[]);
        expect(owned.length).toBeGreaterThan(0);
        expect(owned.every((c) => c.n === 'NO')).toBe(true);
        expect((leading as { t: string }[]).map((r) => r.t).sort()).toEqual(owned.map((c) => c.t).sort());
      }
    } finally {
      await connection.end();
    }
  });
});
