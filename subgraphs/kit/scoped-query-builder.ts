import { SelectQueryBuilder, type DataSource, type ObjectLiteral, type QueryRunner } from 'typeorm';
import type { Alias } from 'typeorm/query-builder/Alias';

export class TenantScopeError extends Error {}

/** The one parameter name the tenant predicate uses; its value is fixed by the builder, whatever is set. */
export const SCOPE_TENANT_PARAMETER = 'scopeTenantId';

/**
 * A read-only query builder that cannot leave its tenant. The tenant predicate is not one of its
 * WHERE clauses but is added when the SQL is built, for every tenant-owned table in FROM and JOIN,
 * ANDed with whatever `where`, `andWhere`, `orWhere` or Brackets produced, so none of them can drop
 * or widen it; the tenant parameter cannot be overridden by `setParameter(s)`. Writes, detached
 * builders (`createQueryBuilder()`) and tables named by string are refused.
 */
export class TenantScopedQueryBuilder<T extends ObjectLiteral> extends SelectQueryBuilder<T> {
  /** Unset on builders TypeORM makes for Brackets and subqueries: those take the tenant of their parent. */
  private scopeTenantId?: string;

  constructor(source: SelectQueryBuilder<any> | DataSource, queryRunner?: QueryRunner, tenantId?: string) {
    super(source as DataSource, queryRunner);
    const inherited = source instanceof TenantScopedQueryBuilder ? source.scopeTenantId : undefined;
    this.scopeTenantId = tenantId ?? inherited;
    if (tenantId !== undefined && !tenantId) throw new TenantScopeError('A tenant-scoped query builder needs a tenantId');
  }

  /** The tenant of this builder, or of the scoped builder it is a subquery or bracket of. */
  private tenant(): string {
    for (let builder: unknown = this; builder; builder = (builder as { parentQueryBuilder?: unknown }).parentQueryBuilder) {
      if (builder instanceof TenantScopedQueryBuilder && builder.scopeTenantId) return builder.scopeTenantId;
    }
    throw new TenantScopeError('A query builder detached from its tenant cannot run');
  }

  /** `alias.tenantId = :scopeTenantId` for a tenant-owned table; null for one that is not (or a derived table). */
  private predicateFor(alias: Alias): string | null {
    if (alias.subQuery) return null;
    if (!alias.hasMetadata) throw new TenantScopeError(`Table "${alias.tablePath ?? alias.name}" is not an entity; name the entity so its tenant is known`);
    const column = alias.metadata.findColumnWithPropertyName('tenantId');
    if (!column) return null;
    return `${this.escape(alias.name)}.${this.escape(column.databaseName)} = :${SCOPE_TENANT_PARAMETER}`;
  }

  protected override createWhereExpression(): string {
    this.tenant();
    const predicates = this.expressionMap.aliases
      .filter((alias) => alias.type === 'from')
      .map((alias) => this.predicateFor(alias))
      .filter((predicate): predicate is string => predicate !== null);
    const own = this.expressionMap.wheres;
    if (predicates.length === 0) return super.createWhereExpression();
    // The caller's clauses become one bracketed group ANDed after the tenant's, for the time of the render.
    this.expressionMap.wheres = [
      ...predicates.map((condition, index) => ({ type: index === 0 ? ('simple' as const) : ('and' as const), condition })),
      ...(own.length ? [{ type: 'and' as const, condition: own }] : []),
    ];
    try {
      return super.createWhereExpression();
    } finally {
      this.expressionMap.wheres = own;
    }
  }

  protected override createJoinExpression(): string {
    const joins = this.expressionMap.joinAttributes;
    const conditions = joins.map((join) => join.condition);
    for (const join of joins) {
      const predicate = this.predicateFor(join.alias);
      if (predicate) join.condition = join.condition ? `(${join.condition}) AND ${predicate}` : predicate;
    }
    try {
      return super.createJoinExpression();
    } finally {
      joins.forEach((join, index) => (join.condition = conditions[index]));
    }
  }

  override getParameters(): ObjectLiteral {
    return { ...super.getParameters(), [SCOPE_TENANT_PARAMETER]: this.tenant() };
  }

  override delete(): never {
    throw new TenantScopeError('The scoped query builder reads; write through the tenant repository');
  }

  override softDelete(): never {
    return this.delete();
  }

  override restore(): never {
    return this.delete();
  }

  override update(): never {
    return this.delete();
  }

  override insert(): never {
    return this.delete();
  }

  override relation(): never {
    return this.delete();
  }
}
