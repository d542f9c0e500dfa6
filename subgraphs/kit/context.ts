import DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { RequestClaims } from '../../platform/contracts/signed-context';
import type { AccessEvents } from '../../platform/access-events';
import type { Keyring } from './crypto/keyring';
import type { SubjectKeys } from './crypto/subject-keys';
import { effectiveScopes, type Scope } from './auth/roles';
import { forbidden } from '../../platform/errors';
import type { EntityTarget } from 'typeorm';
import { TenantScope } from './tenant-repository';
import { pageRequest, type Page } from './pagination';
import type { TenantOwnedEntity } from './tenant-entity';
import type { ServiceClient } from './service-client';
import type { SubgraphConfig } from './config';
import type { ServiceOperation } from '../../platform/contracts/service-operation';

/** Everything a resolver may know about the request: verified claims, the tenant scope, per-request loaders. */
export class SubgraphContext {
  private tenantScope?: TenantScope;
  private tenantSubjectKeys?: SubjectKeys;
  private scopes?: Set<Scope>;
  private readonly loaders = new Map<string, DataLoader<unknown, unknown>>();

  constructor(
    readonly claims: RequestClaims,
    readonly dataSource: DataSource,
    readonly logger: Logger,
    /** Where changes to a tenant's access are announced to the gateways. */
    readonly accessEvents: AccessEvents,
    /** Per-tenant field encryption and blind indexes. */
    readonly keyring: Keyring,
    /** Calls to other subgraphs over this subgraph's service links. */
    readonly services: ServiceClient,
    /** The process's configuration, for subgraphs with settings of their own (crm). */
    readonly config?: SubgraphConfig,
  ) {}

  /** Asks another subgraph one of the service-link operations, for this request's tenant; fails with UNAVAILABLE (fail closed). */
  callService<Variables, Answer>(operation: ServiceOperation<Variables, Answer>, variables: Variables): Promise<Answer> {
    const { requestId, tenant, clientIp } = this.claims;
    return this.services.request<Answer>(operation.callee, operation.document, variables as Record<string, unknown>, { requestId, tenant, clientIp });
  }

  get requestId(): string {
    return this.claims.requestId;
  }

  /** The caller's tenant; a request without one (platform operator, anonymous) is refused here. */
  get tenantId(): string {
    const tenant = this.claims.tenant;
    if (!tenant) throw forbidden('This operation needs a tenant');
    return tenant.id;
  }

  get tenantSlug(): string {
    void this.tenantId;
    return this.claims.tenant!.slug;
  }

  get scope(): TenantScope {
    this.tenantScope ??= TenantScope.of(this.dataSource, this.tenantId);
    return this.tenantScope;
  }

  /** The tenant's per-person keys, batched for this request (one key-store read per page of people). */
  get subjectKeys(): SubjectKeys {
    this.tenantSubjectKeys ??= this.keyring.subjects(this.tenantId);
    return this.tenantSubjectKeys;
  }

  /** Whether the caller holds a permission, derived here from the signed roles and scopes. */
  can(scope: Scope): boolean {
    const { kind, roles, scopes } = this.claims.principal;
    this.scopes ??= effectiveScopes(kind, roles, scopes);
    return this.scopes.has(scope);
  }

  /**
   * One parent's page of children (an end-user's interactions, say). Siblings asking in the same
   * request with the same page arguments share one statement, so a list of N parents costs one
   * query, not N.
   */
  childPage<T extends TenantOwnedEntity>(
    entity: EntityTarget<T> & { name: string },
    column: keyof T & string,
    parentId: string,
    first?: number | null,
    after?: string | null,
  ): Promise<Page<T>> {
    const request = pageRequest(first, after);
    const loader = this.loader<string, Page<T>>(`${entity.name}.${column}:${request.first}:${request.afterId ?? ''}`, async (parentIds) => {
      const pages = await this.scope.repo(entity).pagePerParent(column, parentIds, request);
      return parentIds.map((id) => pages.get(id)!);
    });
    return loader.load(parentId);
  }

  /** One DataLoader per key per request, so batching never crosses requests or tenants. */
  loader<K, V>(key: string, batch: (keys: readonly K[]) => Promise<(V | Error)[]>): DataLoader<K, V> {
    let loader = this.loaders.get(key) as DataLoader<K, V> | undefined;
    if (!loader) {
      loader = new DataLoader<K, V>(batch, { maxBatchSize: 500 });
      this.loaders.set(key, loader as DataLoader<unknown, unknown>);
    }
    return loader;
  }
}

/** Orders batch results to match the keys; a missing (or other-tenant) row is null. */
export function byKeys<T, K>(keys: readonly K[], rows: T[], keyOf: (row: T) => K): (T | null)[] {
  const index = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => index.get(key) ?? null);
}
