import type { DataSource } from 'typeorm';
import { MigrationExecutor } from 'typeorm';
import type { ReadinessCheck } from '../../platform/lifecycle';

/** A subgraph is ready when its database answers and (on MySQL) every migration it ships is applied. */
export function subgraphReadiness(dataSource: DataSource, hasMigrations: boolean): ReadinessCheck {
  // Applied migrations stay applied: once seen complete, only reachability is asked again.
  let migrated = !hasMigrations || dataSource.options.type === 'better-sqlite3';
  return async () => {
    if (!dataSource.isInitialized) return 'database closed';
    await dataSource.query('SELECT 1');
    if (!migrated) {
      const pending = await new MigrationExecutor(dataSource).getPendingMigrations();
      if (pending.length > 0) return 'migrations pending';
      migrated = true;
    }
    return null;
  };
}
