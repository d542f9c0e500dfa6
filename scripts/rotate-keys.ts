import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { subgraphs } from '../subgraphs';
import { backfillEndUserKeys } from '../subgraphs/identity/services/subject-key-backfill.service';
import { backfillTranscriptKeys } from '../subgraphs/interactions/services/subject-key-backfill.service';
import { loadSubgraphConfig, TOOL, type SubgraphName } from '../subgraphs/kit/config';
import type { Keyring } from '../subgraphs/kit/crypto/keyring';
import { TenantDataKey } from '../subgraphs/kit/crypto/tenant-data-key.entity';
import { openDataSource } from '../subgraphs/kit/data-source';
import { openKeyring } from '../subgraphs/kit/server';

/** Rows written before per-person keys, moved under them so that erasure shreds them too. */
const BACKFILLS: Partial<Record<SubgraphName, (dataSource: DataSource, keyring: Keyring) => Promise<number>>> = {
  identity: backfillEndUserKeys,
  interactions: backfillTranscriptKeys,
};

/**
 * `npm run keys:rotate`: rewraps every tenant data key under the first key of MASTER_KEYS (or of the
 * subgraph's own `<NAME>_MASTER_KEYS`; put the
 * new key first and keep the old ones listed until this has run; no row of data is rewritten), then
 * moves any profile field or transcript text still under the tenant key or in clear under its
 * person's own key (idempotent).
 */
async function main(): Promise<void> {
  const config = loadSubgraphConfig(undefined, TOOL);
  for (const module of Object.values(subgraphs).filter((m) => m.entities.includes(TenantDataKey))) {
    const dataSource = await openDataSource({
      subgraph: module.name,
      entities: module.entities,
      migrations: module.migrations,
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
    });
    const keyring = await openKeyring(module, dataSource, { ...config, masterKeys: config.subgraphMasterKeys[module.name] ?? config.masterKeys });
    try {
      const rewrapped = await keyring.rotate();
      process.stdout.write(`${module.name}: ${rewrapped} data keys rewrapped under the current master key\n`);
      const backfill = BACKFILLS[module.name];
      if (backfill) process.stdout.write(`${module.name}: ${await backfill(dataSource, keyring)} rows moved under per-person keys\n`);
    } finally {
      await keyring.keyStore?.destroy();
      await dataSource.destroy();
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
