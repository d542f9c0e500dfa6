import type { DataSource, DeepPartial, EntityManager, EntityTarget, FindManyOptions, FindOptionsWhere, ObjectLiteral, Repository } from 'typeorm';
import { keysetPage, type Page, type PageRequest } from './pagination';
import { hydrate, selectList, statementRunner, type SqlValue } from './prepared-statements';
import { TenantScopeError } from './scoped-query-builder';
import type { TenantOwnedEntity } from './tenant-entity';
import { crossTenantTransaction, TenantScope } from './tenant-repository';

/** A row of no tenant: the type refuses an entity with a tenantId. */
type PlatformEntity = ObjectLiteral & { id: string; tenantId?: never };

function assertNotTenantOwned(manager: EntityManager, entity: EntityTarget<ObjectLiteral>): void {
  if (manager.connection.getMetadata(entity).findColumnWithPropertyName('tenantId')) {
    throw new TenantScopeError('A tenant-owned table is reached through TenantScope, not as a platform table');
  }
}

/**
 * The door to the platform's own tables (tenants, the platform policy, sub-processors): rows that
 * belong to no tenant, checked by shield alone. A tenant-owned entity is refused here.
 */
export class PlatformTables {
  constructor(private readonly manager: EntityManager) {}

  static of(dataSource: DataSource): PlatformTables {
    return new PlatformTables(dataSource.manager);
  }

  repo<T extends PlatformEntity>(entity: EntityTarget<T>): PlatformRepository<T> {
    assertNotTenantOwned(this.manager, entity);
    return new PlatformRepository(this.manager.getRepository(entity));
  }

  /** A transaction over platform tables, taking turns on SQLite like a tenant's. */
  transaction<R>(work: (tables: PlatformTables) => Promise<R>): Promise<R> {
    if (this.manager.queryRunner) return work(this);
    return crossTenantTransaction(this.manager.connection, (manager) => work(new PlatformTables(manager)));
  }
}

export class PlatformRepository<T extends PlatformEntity> {
  constructor(private readonly repository: Repository<T>) {
    // Its statements carry no tenant predicate, so it never holds a tenant's table, however built.
    assertNotTenantOwned(repository.manager, repository.target);
  }

  find(options: FindManyOptions<T> = {}): Promise<T[]> {
    return this.repository.find(options);
  }

  /**
   * A lookup by plain equalities (a tenant by its slug, on every request the gateway asks
   * identity about) is one prepared statement outside a transaction; anything else, the ORM's.
   */
  async findOneBy(where: FindOptionsWhere<T>): Promise<T | null> {
    const { manager, metadata } = this.repository;
    if (manager.queryRunner) return this.repository.findOneBy(where);
    const runner = statementRunner(manager.connection);
    const parts: string[] = [];
    const params: SqlValue[] = [];
    for (const [property, value] of Object.entries(where)) {
      const column = metadata.findColumnWithPropertyPath(property);
      if (!column || (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')) return this.repository.findOneBy(where);
      parts.push(`p.${runner.quote(column.databaseName)} = ?`);
      params.push(value);
    }
    if (parts.length === 0) return this.repository.findOneBy(where);
    const rows = await runner.select(`SELECT ${selectList(metadata, runner, 'p')} FROM ${runner.quote(metadata.tableName)} p WHERE ${parts.join(' AND ')} LIMIT 1`, params);
    return hydrate<T>(manager.connection, metadata, rows)[0] ?? null;
  }

  findOneByOrFail(where: FindOptionsWhere<T>): Promise<T> {
    return this.repository.findOneByOrFail(where);
  }

  exists(where: FindOptionsWhere<T>): Promise<boolean> {
    return this.repository.exists({ where });
  }

  count(where: FindOptionsWhere<T> = {}): Promise<number> {
    return this.repository.count({ where });
  }

  create(data: DeepPartial<T>): T {
    return this.repository.create(data);
  }

  save(entity: T): Promise<T> {
    return this.repository.save(entity as DeepPartial<T>) as Promise<T>;
  }

  page(where: FindOptionsWhere<T>, request: PageRequest): Promise<Page<T>> {
    return keysetPage<T>((options) => this.repository.find(options), where, request);
  }
}

/**
 * Reads across every tenant for the platform's own jobs (retries, key rotation, backfills,
 * retention, metrics): each row comes with its tenantId, and a change goes back through that
 * tenant's scope (`scope(row.tenantId)`). Every caller is listed, with its reason, in the tenancy
 * test; a new one fails it.
 */
export class AcrossTenants {
  constructor(private readonly manager: EntityManager) {}

  static of(dataSource: DataSource): AcrossTenants {
    return new AcrossTenants(dataSource.manager);
  }

  find<T extends TenantOwnedEntity>(entity: EntityTarget<T>, options: FindManyOptions<T>): Promise<T[]> {
    return this.manager.getRepository(entity).find(options);
  }

  findOneBy<T extends TenantOwnedEntity>(entity: EntityTarget<T>, where: FindOptionsWhere<T>): Promise<T | null> {
    return this.manager.getRepository(entity).findOneBy(where);
  }

  count<T extends TenantOwnedEntity>(entity: EntityTarget<T>, where: FindOptionsWhere<T>): Promise<number> {
    return this.manager.getRepository(entity).count({ where });
  }

  /** The tenants that have rows in a table. */
  async tenantsOf<T extends TenantOwnedEntity>(entity: EntityTarget<T>): Promise<string[]> {
    const rows = await this.manager.getRepository(entity).createQueryBuilder('row').select('DISTINCT row.tenantId', 'tenantId').getRawMany<{ tenantId: string }>();
    return rows.map((row) => row.tenantId);
  }

  /** One tenant's scope on the same connection (and transaction, if any). */
  scope(tenantId: string): TenantScope {
    return new TenantScope(this.manager, tenantId);
  }
}
