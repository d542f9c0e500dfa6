import type { DataSource, Logger as TypeOrmLogger } from 'typeorm';

/**
 * Counts every SQL statement a set of data sources runs, by wrapping their TypeORM loggers: the
 * ORM's query runners and the prepared lookups (TenantRepository) both report each statement there.
 */
export class StatementCounter<Name extends string> {
  readonly counts: Record<Name, number>;
  readonly statements: string[] = [];
  private readonly restore: (() => void)[] = [];

  constructor(sources: Record<Name, DataSource>) {
    const names = Object.keys(sources) as Name[];
    this.counts = Object.fromEntries(names.map((name) => [name, 0])) as Record<Name, number>;
    for (const name of names) {
      const source = sources[name];
      const original = source.logger;
      const counting: TypeOrmLogger = Object.create(original);
      counting.logQuery = (query, parameters, runner) => {
        this.counts[name] += 1;
        this.statements.push(`${name}: ${query}`);
        return original.logQuery(query, parameters, runner);
      };
      (source as { logger: TypeOrmLogger }).logger = counting;
      this.restore.push(() => ((source as { logger: TypeOrmLogger }).logger = original));
    }
  }

  reset(): void {
    for (const name of Object.keys(this.counts) as Name[]) this.counts[name] = 0;
    this.statements.length = 0;
  }

  close(): void {
    this.restore.forEach((undo) => undo());
  }
}
