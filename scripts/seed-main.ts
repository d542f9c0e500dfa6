import 'reflect-metadata';
import { subgraphs } from '../subgraphs';
import { loadSubgraphConfig, SUBGRAPH_NAMES, TOOL } from '../subgraphs/kit/config';
import { configOrExit } from '../platform/env';
import { openDataSource } from '../subgraphs/kit/data-source';
import { openKeyring } from '../subgraphs/kit/server';
import { seedDemoData, type DataSources, type Keyrings } from './seed';

/**
 * `npm run db:seed`: migrates, then seeds acme and globex when the identity database has no tenant
 * (in production only with SEED=true). Each subgraph's data keys are wrapped with its own
 * `<NAME>_MASTER_KEYS` when given, else MASTER_KEYS.
 */
async function main(): Promise<void> {
  const config = configOrExit(() => loadSubgraphConfig(undefined, TOOL), 'seed');
  const sources = {} as DataSources;
  const keyrings = {} as Keyrings;
  try {
    for (const name of SUBGRAPH_NAMES) {
      const { entities, migrations } = subgraphs[name];
      sources[name] = await openDataSource({ subgraph: name, entities, migrations, databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    }
    for (const name of SUBGRAPH_NAMES) {
      keyrings[name] = await openKeyring(subgraphs[name], sources[name], { ...config, masterKeys: config.subgraphMasterKeys[name] ?? config.masterKeys });
    }
    const seeded = config.seed && (await seedDemoData(sources, keyrings, undefined, config.crm.fakeUrl));
    process.stdout.write(seeded ? 'seeded demo tenants acme and globex\n' : 'nothing to seed\n');
  } finally {
    await Promise.all(Object.values(sources).map((source) => source.destroy()));
    await Promise.all(Object.values(keyrings).map((keyring) => keyring.keyStore?.destroy()));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
