import 'reflect-metadata';
import { interactionsSubgraph } from '../subgraphs/interactions/schema';
import { RetentionService } from '../subgraphs/interactions/services/retention.service';
import { loadSubgraphConfig, TOOL } from '../subgraphs/kit/config';
import { openDataSource } from '../subgraphs/kit/data-source';
import { openKeyring } from '../subgraphs/kit/server';

/** `npm run purge`: deletes transcript segments past each tenant's retention period and prints what went. */
async function main(): Promise<void> {
  const config = loadSubgraphConfig(undefined, TOOL);
  const { name, entities, migrations } = interactionsSubgraph;
  const dataSource = await openDataSource({ subgraph: name, entities, migrations, databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const keyring = await openKeyring(interactionsSubgraph, dataSource, { ...config, masterKeys: config.subgraphMasterKeys.interactions ?? config.masterKeys });
  try {
    const results = await new RetentionService(dataSource, keyring).purgeAll();
    for (const result of results) {
      process.stdout.write(
        `tenant ${result.tenantId}: ${result.segments} transcript segments purged (retention ${result.retentionDays} days, before ${result.cutoff.toISOString()})\n`,
      );
    }
    process.stdout.write(`${results.reduce((sum, r) => sum + r.segments, 0)} transcript segments purged across ${results.length} tenants\n`);
  } finally {
    await keyring.keyStore?.destroy();
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
