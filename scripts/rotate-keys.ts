import 'reflect-metadata';
import { subgraphs } from '../subgraphs';
import { loadSubgraphConfig } from '../subgraphs/shared/config';
import { Keyring } from '../subgraphs/shared/crypto/keyring';
import { TenantDataKey } from '../subgraphs/shared/crypto/tenant-data-key.entity';
import { openDataSource } from '../subgraphs/shared/data-source';
import { masterKeys } from '../subgraphs/shared/server';

/**
 * `npm run keys:rotate`: rewraps every tenant data key under the first key of MASTER_KEYS. Put the
 * new key first and keep the old ones listed until this has run; no row of data is rewritten.
 */
async function main(): Promise<void> {
  const config = loadSubgraphConfig();
  const keys = await masterKeys(config);
  for (const module of Object.values(subgraphs).filter((m) => m.entities.includes(TenantDataKey))) {
    const dataSource = await openDataSource({
      subgraph: module.name,
      entities: module.entities,
      migrations: module.migrations,
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
    });
    try {
      const rewrapped = await new Keyring(dataSource, keys).rotate();
      process.stdout.write(`${module.name}: ${rewrapped} data keys rewrapped under master key ${keys.currentKeyId}\n`);
    } finally {
      await dataSource.destroy();
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
