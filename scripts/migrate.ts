import 'reflect-metadata';
import { loadSubgraphConfig, SUBGRAPH_NAMES, TOOL } from '../subgraphs/kit/config';
import { subgraphs } from '../subgraphs';
import { migratedDataSource, migratedKeyStore } from './migrations';

/** `npm run db:migrate`: creates each subgraph's database if missing and applies pending migrations. */
async function main(): Promise<void> {
  const { databaseUrl } = loadSubgraphConfig(undefined, TOOL);
  if (!databaseUrl) {
    process.stdout.write('DATABASE_URL is not set: the SQLite default keeps its schema in step by itself\n');
    return;
  }
  for (const name of SUBGRAPH_NAMES) {
    const dataSource = await migratedDataSource(name, databaseUrl);
    await dataSource.destroy();
    if (subgraphs[name].subjectKeys) await (await migratedKeyStore(name, databaseUrl)).destroy();
    process.stdout.write(`${name}: up to date\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
