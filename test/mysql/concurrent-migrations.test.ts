import { createHash } from 'node:crypto';
import { createConnection, type Connection } from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { subgraphs } from '../../subgraphs';
import { SUBGRAPH_NAMES } from '../../subgraphs/kit/config';
import { openKeyStore } from '../../subgraphs/kit/crypto/key-store';
import { mysqlTarget, openDataSource } from '../../subgraphs/kit/data-source';
import { eventually } from '../helpers/eventually';
import { testEnvironment, type TestEnvironment } from '../helpers/environment';

/**
 * Replicas of a subgraph starting together on an empty database (two pods of a new Deployment):
 * each migration runs once, under a named lock of the database, and every instance opens it.
 * Without the lock, one of two instances failed ("Table 'end_users' already exists").
 */
let env: TestEnvironment;
beforeAll(async () => {
  env = await testEnvironment();
});
afterAll(() => env?.cleanup());

const open = (name: (typeof SUBGRAPH_NAMES)[number]) =>
  openDataSource({ subgraph: name, entities: subgraphs[name].entities, migrations: subgraphs[name].migrations, databaseUrl: env.databaseUrl!, dataDir: '' });

async function adminConnection(database?: string): Promise<Connection> {
  const { host, port, username, password } = mysqlTarget(env.databaseUrl!, 'identity');
  return createConnection({ host, port, user: username, password, database });
}

test('three instances of every subgraph opening one empty database together: all open it, each migration applied once', async () => {
  for (const name of SUBGRAPH_NAMES) {
    const opened: DataSource[] = [];
    const keyStores: DataSource[] = [];
    try {
      const results = await Promise.allSettled([open(name), open(name), open(name)]);
      for (const result of results) if (result.status === 'fulfilled') opened.push(result.value);
      expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      const applied = (await opened[0].query('SELECT name FROM migrations')) as { name: string }[];
      expect(applied.map((row) => row.name).sort()).toEqual(subgraphs[name].migrations.map((migration) => (migration as { name: string }).name).sort());
      if (subgraphs[name].subjectKeys) {
        const stores = await Promise.allSettled([0, 1, 2].map(() => openKeyStore({ subgraph: name, databaseUrl: env.databaseUrl!, dataDir: '' })));
        for (const result of stores) if (result.status === 'fulfilled') keyStores.push(result.value);
        expect(stores.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
      }
    } finally {
      await Promise.all([...opened, ...keyStores].map((source) => source.destroy()));
    }
  }
});

test('an instance waits while another holds the migration lock, applies nothing meanwhile, then opens the database', async () => {
  // A database of its own, still empty: the migrations of the first test are not there.
  const url = new URL(env.databaseUrl!);
  url.pathname = `/${url.pathname.slice(1)}w`;
  const database = mysqlTarget(url.toString(), 'consent').database;
  const admin = await adminConnection();
  const lock = `cx-migrate:${createHash('sha256').update(database).digest('hex').slice(0, 40)}`;
  let opening: Promise<DataSource> | undefined;
  try {
    await admin.query(`CREATE DATABASE IF NOT EXISTS \`${database}\``);
    const [[held]] = (await admin.query('SELECT GET_LOCK(?, 0) AS held', [lock])) as unknown as [{ held: number }[]];
    expect(Number(held.held)).toBe(1);
    opening = openDataSource({ subgraph: 'consent', entities: subgraphs.consent.entities, migrations: subgraphs.consent.migrations, databaseUrl: url.toString(), dataDir: '' });
    // Until its GET_LOCK is seen waiting for ours.
    await eventually(
      async () => {
        const [rows] = (await admin.query(
          "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT GET_LOCK(%' AND ID <> CONNECTION_ID()",
        )) as unknown as [{ n: number }[]];
        return Number(rows[0].n) > 0;
      },
      { timeoutMs: 25_000, intervalMs: 50, what: "the instance's GET_LOCK to wait for ours" },
    );
    const [tables] = (await admin.query('SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [database])) as unknown as [unknown[]];
    expect(tables).toEqual([]);
    await admin.query('SELECT RELEASE_LOCK(?)', [lock]);
    const dataSource = await opening;
    opening = undefined;
    const applied = (await dataSource.query('SELECT name FROM migrations')) as unknown[];
    expect(applied).toHaveLength(subgraphs.consent.migrations.length);
    await dataSource.destroy();
  } finally {
    await admin.query('SELECT RELEASE_LOCK(?)', [lock]).catch(() => undefined);
    await opening?.then((source) => source.destroy()).catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.end();
  }
});
