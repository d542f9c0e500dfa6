import { AsyncLocalStorage } from 'node:async_hooks';
import {
  In,
  type DataSource,
  type DeepPartial,
  type EntityManager,
  type EntityTarget,
  type FindManyOptions,
  type FindOptionsWhere,
  type Repository,
} from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { newId, type TenantOwnedEntity } from './tenant-entity';
import { keysetPage, toPage, type Page, type PageRequest } from './pagination';
import { TenantScopedQueryBuilder, TenantScopeError } from './scoped-query-builder';

export { TenantScopeError };

/**
 * The only way to a tenant-owned table: every query is filtered by the tenantId given at
 * construction, and every write is stamped with it.
 */
export class TenantRepository<T extends TenantOwnedEntity> {
  constructor(
    private readonly repository: Repository<T>,
    readonly tenantId: string,
  ) {
    if (!tenantId) throw new TenantScopeError('A tenant-scoped repository needs a tenantId');
  }

  private scoped(where: FindOptionsWhere<T> = {}): FindOptionsWhere<T> {
    return { ...where, tenantId: this.tenantId } as FindOptionsWhere<T>;
  }

  find(options: Omit<FindManyOptions<T>, 'where'> & { where?: FindOptionsWhere<T> } = {}): Promise<T[]> {
    return this.repository.find({ ...options, where: this.scoped(options.where) });
  }

  findOne(where: FindOptionsWhere<T>): Promise<T | null> {
    return this.repository.findOne({ where: this.scoped(where) });
  }

  findById(id: string): Promise<T | null> {
    return this.findOne({ id } as FindOptionsWhere<T>);
  }

  findByIds(ids: readonly string[]): Promise<T[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.repository.find({ where: this.scoped({ id: In([...ids]) } as FindOptionsWhere<T>) });
  }

  count(where: FindOptionsWhere<T> = {}): Promise<number> {
    return this.repository.count({ where: this.scoped(where) });
  }

  /** Keyset page in id order (ids are time-ordered); fetches one extra row to know if more follow. */
  page(where: FindOptionsWhere<T>, request: PageRequest): Promise<Page<T>> {
    return keysetPage((options) => this.repository.find({ ...options, where: this.scoped(options.where as FindOptionsWhere<T>) }), where, request);
  }

  /**
   * The first page of children for each parent, in one statement: rows are numbered per parent in
   * id order (a window function, SQLite 3.25+ / MySQL 8 / MariaDB 10.2+) and each parent keeps its
   * first `first + 1`. Parents with no children get an empty page.
   */
  async pagePerParent(column: keyof T & string, parentIds: readonly string[], request: PageRequest): Promise<Map<string, Page<T>>> {
    const pages = new Map<string, Page<T>>();
    if (parentIds.length === 0) return pages;
    const ranked = this.queryBuilder('ranked')
      .select('ranked.id', 'id')
      .addSelect(`ROW_NUMBER() OVER (PARTITION BY ranked.${column} ORDER BY ranked.id)`, 'pagePosition')
      .andWhere(`ranked.${column} IN (:...parentIds)`, { parentIds: [...parentIds] });
    if (request.afterId) ranked.andWhere('ranked.id > :afterId', { afterId: request.afterId });
    // Scoped twice over: the numbered rows come from the tenant-scoped builder, and so do the outer ones.
    const rows = await this.queryBuilder('child')
      .andWhere(`child.id IN (SELECT page.id FROM (${ranked.getQuery()}) page WHERE page.pagePosition <= :pageLimit)`)
      .setParameters({ ...ranked.getParameters(), scopeTenantId: this.tenantId, pageLimit: request.first + 1 })
      .orderBy('child.id', 'ASC')
      .getMany();
    const byParent = new Map<string, T[]>();
    for (const row of rows) {
      const parent = String(row[column]);
      const list = byParent.get(parent) ?? [];
      list.push(row);
      byParent.set(parent, list);
    }
    for (const parentId of parentIds) pages.set(parentId, toPage(byParent.get(parentId) ?? [], request));
    return pages;
  }

  create(data: DeepPartial<T>): T {
    const entity = this.repository.create(data);
    entity.id ??= newId();
    entity.tenantId = this.tenantId;
    return entity;
  }

  async save(entity: T): Promise<T> {
    this.assertOwned(entity);
    return this.write(() => this.repository.save(entity as DeepPartial<T>) as Promise<T>);
  }

  async saveMany(entities: T[]): Promise<T[]> {
    entities.forEach((entity) => this.assertOwned(entity));
    return this.write(() => this.repository.save(entities as DeepPartial<T>[], { chunk: 200 }) as Promise<T[]>);
  }

  /**
   * A write outside a transaction. On SQLite it waits for the transaction in flight (they share the
   * one connection), so it is never swept into, and rolled back with, another request's transaction.
   */
  private write<R>(run: () => Promise<R>): Promise<R> {
    const manager = this.repository.manager;
    if (manager.queryRunner || isMysql(manager)) return run();
    return serialized(manager.connection, run);
  }

  /**
   * Rows read for writing in this transaction: on MySQL/MariaDB a locking read (FOR UPDATE, or
   * FOR SHARE with `shared`), which sees the latest committed rows whatever the transaction's
   * snapshot and locks the gap where a missing row would go; SQLite serializes writes instead.
   */
  findLocked(where: FindOptionsWhere<T>, options: { shared?: boolean } = {}): Promise<T[]> {
    if (!isMysql(this.repository.manager)) return this.find({ where });
    return this.repository.find({ where: this.scoped(where), lock: { mode: options.shared ? 'pessimistic_read' : 'pessimistic_write' } });
  }

  /**
   * Changes existing rows only (`UPDATE … WHERE`): unlike save() it never inserts a row that was
   * deleted meanwhile. Returns how many rows it changed; 0 means they are gone.
   */
  async update(where: FindOptionsWhere<T>, patch: QueryDeepPartialEntity<T>): Promise<number> {
    const result = await this.write(() => this.repository.update(this.scoped(where), patch));
    return result.affected ?? 0;
  }

  /**
   * Writes an entity read earlier back to its row, every column but its keys, with `UPDATE … WHERE
   * id`: returns false (and writes nothing) when the row is gone, where save() would insert it again.
   */
  async saveExisting(entity: T): Promise<boolean> {
    this.assertOwned(entity);
    const metadata = this.repository.metadata;
    const patch: Record<string, unknown> = {};
    for (const column of metadata.columns) {
      if (column.isPrimary || column.isCreateDate || column.isUpdateDate || column.propertyName === 'tenantId' || column.isVirtual) continue;
      const value = column.getEntityValue(entity);
      if (value !== undefined) patch[column.propertyName] = value;
    }
    return (await this.update({ id: entity.id } as FindOptionsWhere<T>, patch as QueryDeepPartialEntity<T>)) > 0;
  }

  /** Inserts rows, skipping any that would repeat a unique key (INSERT IGNORE / OR IGNORE). */
  async insertIgnoringDuplicates(entities: T[]): Promise<void> {
    entities.forEach((entity) => this.assertOwned(entity));
    if (entities.length === 0) return;
    await this.write(() => this.repository.createQueryBuilder().insert().values(entities as QueryDeepPartialEntity<T>[]).orIgnore().execute());
  }

  async delete(where: FindOptionsWhere<T>): Promise<number> {
    const result = await this.write(() => this.repository.delete(this.scoped(where)));
    return result.affected ?? 0;
  }

  /**
   * A read-only query builder restricted to this tenant: `where`, `orWhere` and Brackets refine
   * within the tenant, never beyond it (see TenantScopedQueryBuilder).
   */
  queryBuilder(alias: string): TenantScopedQueryBuilder<T> {
    return new TenantScopedQueryBuilder<T>(this.repository.createQueryBuilder(alias), undefined, this.tenantId);
  }

  private assertOwned(entity: T): void {
    if (entity.tenantId !== this.tenantId) throw new TenantScopeError('Entity belongs to another tenant');
  }
}

/** A request's door to its tenant's data; in a transaction it hands out repositories on that transaction. */
export class TenantScope {
  constructor(
    private readonly manager: EntityManager,
    readonly tenantId: string,
  ) {
    if (!tenantId) throw new TenantScopeError('A tenant scope needs a tenantId');
  }

  static of(dataSource: DataSource, tenantId: string): TenantScope {
    return new TenantScope(dataSource.manager, tenantId);
  }

  repo<T extends TenantOwnedEntity>(entity: EntityTarget<T>): TenantRepository<T> {
    return new TenantRepository(this.manager.getRepository(entity), this.tenantId);
  }

  /**
   * A transaction. SQLite has one connection per process, on which TypeORM would interleave
   * concurrent transactions (one becoming a savepoint of the other), so top-level ones take turns;
   * on MySQL/MariaDB a transaction chosen as a deadlock victim is run again.
   */
  transaction<R>(work: (scope: TenantScope) => Promise<R>): Promise<R> {
    const run = () => this.manager.transaction((manager) => work(new TenantScope(manager, this.tenantId)));
    if (this.manager.queryRunner) return run();
    if (!isMysql(this.manager)) return serialized(this.manager.connection, run);
    return retryOnDeadlock(run);
  }
}

/**
 * A transaction across tenants (background workers that then act within each row's tenant), with
 * the same turns on SQLite and deadlock retries on MySQL/MariaDB as TenantScope.transaction.
 */
export function crossTenantTransaction<R>(dataSource: DataSource, work: (manager: EntityManager) => Promise<R>): Promise<R> {
  const run = () => dataSource.transaction(work);
  if (!isMysql(dataSource.manager)) return serialized(dataSource, run);
  return retryOnDeadlock(run);
}

function isMysql(manager: EntityManager): boolean {
  const type = manager.connection.options.type;
  return type === 'mysql' || type === 'mariadb';
}

const DEADLOCK_ATTEMPTS = 4;

/** ER_LOCK_DEADLOCK (1213): InnoDB rolled the whole transaction back, so running it again is safe. */
export function isDeadlock(error: unknown): boolean {
  const cause = (error as { driverError?: { errno?: number }; errno?: number } | null) ?? {};
  return (cause.driverError?.errno ?? cause.errno) === 1213;
}

async function retryOnDeadlock<R>(run: () => Promise<R>): Promise<R> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run();
    } catch (error) {
      if (!isDeadlock(error) || attempt >= DEADLOCK_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt * Math.random()));
    }
  }
}

const turns = new WeakMap<DataSource, Promise<unknown>>();
const inTurn = new AsyncLocalStorage<DataSource>();

/** One top-level transaction at a time per SQLite data source; re-entrant within the one holding the turn. */
function serialized<R>(dataSource: DataSource, run: () => Promise<R>): Promise<R> {
  if (inTurn.getStore() === dataSource) return run();
  const previous = turns.get(dataSource) ?? Promise.resolve();
  const mine = previous.catch(() => undefined).then(() => inTurn.run(dataSource, run));
  turns.set(dataSource, mine.catch(() => undefined));
  return mine;
}
