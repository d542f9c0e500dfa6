import {
  In,
  MoreThan,
  type DataSource,
  type DeepPartial,
  type EntityManager,
  type EntityTarget,
  type FindManyOptions,
  type FindOptionsOrder,
  type FindOptionsWhere,
  type Repository,
  type SelectQueryBuilder,
} from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { newId, type TenantOwnedEntity } from './tenant-entity';
import { toPage, type Page, type PageRequest } from './pagination';

export class TenantScopeError extends Error {}

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

  /**
   * In a transaction: reads the row and, on databases with row locks (MySQL/MariaDB), holds it until
   * the transaction ends, so writers of one parent go one at a time. SQLite takes no row locks.
   */
  findByIdForUpdate(id: string): Promise<T | null> {
    const locks = this.repository.manager.dataSource.options.type !== 'better-sqlite3';
    return this.repository.findOne({ where: this.scoped({ id } as FindOptionsWhere<T>), ...(locks ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  }

  findByIds(ids: readonly string[]): Promise<T[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.repository.find({ where: this.scoped({ id: In([...ids]) } as FindOptionsWhere<T>) });
  }

  count(where: FindOptionsWhere<T> = {}): Promise<number> {
    return this.repository.count({ where: this.scoped(where) });
  }

  /** Keyset page in id order (ids are time-ordered); fetches one extra row to know if more follow. */
  async page(where: FindOptionsWhere<T>, request: PageRequest): Promise<Page<T>> {
    const filter = request.afterId ? ({ ...where, id: MoreThan(request.afterId) } as FindOptionsWhere<T>) : where;
    const rows = await this.repository.find({
      where: this.scoped(filter),
      order: { id: 'ASC' } as FindOptionsOrder<T>,
      take: request.first + 1,
    });
    return toPage(rows, request);
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
    return this.repository.save(entity as DeepPartial<T>) as Promise<T>;
  }

  async saveMany(entities: T[]): Promise<T[]> {
    entities.forEach((entity) => this.assertOwned(entity));
    return this.repository.save(entities as DeepPartial<T>[], { chunk: 200 }) as Promise<T[]>;
  }

  /** UPDATE … WHERE: a row deleted meanwhile stays deleted (unlike `save`); returns the rows changed. */
  async update(where: FindOptionsWhere<T>, values: QueryDeepPartialEntity<T>): Promise<number> {
    const result = await this.repository.update(this.scoped(where), values);
    return result.affected ?? 0;
  }

  async delete(where: FindOptionsWhere<T>): Promise<number> {
    const result = await this.repository.delete(this.scoped(where));
    return result.affected ?? 0;
  }

  /** A query builder already restricted to this tenant; add conditions with `andWhere`. */
  queryBuilder(alias: string): SelectQueryBuilder<T> {
    return this.repository
      .createQueryBuilder(alias)
      .where(`${alias}.tenantId = :scopeTenantId`, { scopeTenantId: this.tenantId });
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

  transaction<R>(work: (scope: TenantScope) => Promise<R>): Promise<R> {
    return this.manager.transaction((manager) => work(new TenantScope(manager, this.tenantId)));
  }
}
