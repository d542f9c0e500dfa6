import type { MigrationInterface } from 'typeorm';
import { subgraphs } from '../../subgraphs';
import { loadSubgraphConfig } from '../../subgraphs/kit/config';
import { buildDataSource } from '../../subgraphs/kit/data-source';
import { createSubgraphServer, type SubgraphServer } from '../../subgraphs/kit/server';
import { testEnvironment, type TestEnvironment } from '../helpers/environment';
import { switchableProxy } from '../helpers/switchable-proxy';

// Subgraph readiness on MySQL/MariaDB: the database reached through a proxy the test controls.
let env: TestEnvironment;
let proxy: Awaited<ReturnType<typeof switchableProxy>>;
let server: SubgraphServer;
let url: string;

beforeAll(async () => {
  env = await testEnvironment();
  const database = new URL(env.databaseUrl!);
  proxy = await switchableProxy(Number(database.port || 3306), database.hostname);
  database.host = `127.0.0.1:${proxy.port}`;
  const config = loadSubgraphConfig({ NODE_ENV: 'test', DATA_DIR: env.subgraphConfig.dataDir, KEYS_DIR: env.subgraphConfig.keysDir, DATABASE_URL: database.toString(), HEALTH_TIMEOUT_MS: '500' });
  server = await createSubgraphServer(subgraphs.consent, { config });
  url = (await server.listen(0)).url.replace(/\/graphql$/, '');
});
afterAll(async () => {
  proxy?.set('up');
  await server?.close();
  await proxy?.close();
  await env?.cleanup();
});

const probe = async (path: string) => {
  const response = await fetch(`${url}${path}`);
  return { status: response.status, body: (await response.json()) as { status: string; reason?: string } };
};

describe('subgraph readiness on MySQL', () => {
  it('ready with its database reachable and migrated', async () => {
    expect(await probe('/health/ready')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it.each(['stalled', 'down'] as const)('503 while the database is %s, live all along, ready again once it is back', async (mode) => {
    proxy.set(mode);
    const ready = await probe('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.status).toBe('unavailable');
    expect(JSON.stringify(ready.body)).not.toMatch(/127\.0\.0\.1|ECONN|mysql/i);
    expect((await probe('/health/live')).status).toBe(200);
    proxy.set('up');
    let back = await probe('/health/ready');
    // A pool connection dropped while down is replaced on the next question.
    for (let i = 0; i < 20 && back.status !== 200; i += 1) back = await probe('/health/ready');
    expect(back).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('503 while a migration the subgraph ships is not applied', async () => {
    class Pending9999999999999 implements MigrationInterface {
      name = 'Pending9999999999999';
      async up(): Promise<void> {}
      async down(): Promise<void> {}
    }
    const migrations = [...subgraphs.consent.migrations, Pending9999999999999];
    const dataSource = buildDataSource({ subgraph: 'consent', entities: subgraphs.consent.entities, migrations, databaseUrl: env.databaseUrl, dataDir: env.subgraphConfig.dataDir });
    await dataSource.initialize();
    const lagging = await createSubgraphServer({ ...subgraphs.consent, migrations }, { config: env.subgraphConfig, dataSource });
    try {
      const base = (await lagging.listen(0)).url.replace(/\/graphql$/, '');
      const response = await fetch(`${base}/health/ready`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: 'unavailable', reason: 'migrations pending' });
    } finally {
      await lagging.close();
      await dataSource.destroy();
    }
  });
});
