import 'reflect-metadata';
import { loadSubgraphConfig, SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs/kit/config';
import { migratedDataSource, pendingSchemaChanges, writeMigration } from './migrations';

/**
 * `npm run db:generate -- <subgraph|all> <Title>`: diffs the entities against a MySQL database
 * migrated to the latest version (DATABASE_URL) and writes the difference as a new migration.
 */
async function main(): Promise<void> {
  const [target, title] = process.argv.slice(2);
  const { databaseUrl } = loadSubgraphConfig();
  if (!databaseUrl) throw new Error('DATABASE_URL must point at a MySQL/MariaDB server to generate migrations');
  if (!target || !title) throw new Error('usage: npm run db:generate -- <subgraph|all> <Title>');
  const names = target === 'all' ? SUBGRAPH_NAMES : [target as SubgraphName];
  for (const name of names) {
    if (!SUBGRAPH_NAMES.includes(name)) throw new Error(`unknown subgraph ${name}`);
    const dataSource = await migratedDataSource(name, databaseUrl);
    try {
      const changes = await pendingSchemaChanges(dataSource);
      if (changes.up.length === 0) process.stdout.write(`${name}: entities and migrations agree\n`);
      else process.stdout.write(`${name}: wrote ${writeMigration(name, title, changes)}\n`);
    } finally {
      await dataSource.destroy();
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
