import DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { RequestClaims } from '../../platform/contracts/signed-context';
import type { AccessEvents } from '../../platform/access-events';
import type { Keyring } from './crypto/keyring';
import type { SubjectKeys } from './crypto/subject-keys';
import { effectiveScopes, type Scope } from './auth/roles';
import { shieldState, type ShieldState } from './auth/shield';
import { forbidden } from '../../platform/errors';
import type { EntityTarget } from 'typeorm';
import { TenantScope } from './tenant-repository';
import { pageRequest, type Page } from './pagination';
import type { TenantOwnedEntity } from './tenant-entity';
import type { ServiceClient } from './service-client';
import type { SubgraphConfig } from './config';
import type { ServiceOperation } from '../../platform/contracts/service-operation';
import { PlatformTables } from './platform-tables';

/** What a process holds once and lends to each request: its data source, keys, links and settings. */
export interface ProcessDeps {
  dataSource: DataSource;
  logger: Logger;
  /** Where changes to a tenant's access are announced to the gateways. */
  accessEvents: AccessEvents;
  /** Per-tenant field encryption and blind indexes. */
  keyring: Keyring;
  /** Calls to other subgraphs over this subgraph's service links. */
  links: ServiceClient;
  config: SubgraphConfig;
}

/**
 * What a service may know about the request: verified claims, the tenant's scope, permissions,
 * per-request loaders. No raw data source: tenant rows through `scope`, the platform's own tables
 * through `platform`.
 */
export class RequestContext {
  // Every field is set in the constructor, those made on first use too, so that every context has
  // one shape: code that reads contexts then stays monomorphic in V8.
  private tenantScope: TenantScope | undefined = undefined;
  private tenantSubjectKeys: SubjectKeys | undefined = undefined;
  private scopes: ReadonlySet<Scope> | undefined = undefined;
  /** graphql-shield's per-request state (see shieldState). */
  readonly _shield: ShieldState = shieldState();
  private readonly loaders = new Map<string, DataLoader<unknown, unknown>>();
  private readonly data: DataSource;
  private readonly links: ServiceClient;
  readonly logger: Logger;
  readonly accessEvents: AccessEvents;
  readonly keyring: Keyring;
  /** The process's configuration, for subgraphs with settings of their own (crm). */
  readonly config: SubgraphConfig;

  constructor(
    readonly claims: RequestClaims,
    process: ProcessDeps,
  ) {
    this.data = process.dataSource;
    this.links = process.links;
    this.logger = process.logger;
    this.accessEvents = process.accessEvents;
    this.keyring = process.keyring;
    this.config = process.config;
  }

  /** The platform's own tables (tenants, platform policy, sub-processors); tenant-owned ones are refused there. */
  get platform(): PlatformTables {
    return PlatformTables.of(this.data);
  }

  /** Asks another subgraph one of the service-link operations, for this request's tenant; fails with UNAVAILABLE (fail closed). */
  callService<Variables, Answer>(operation: ServiceOperation<Variables, Answer>, variables: Variables): Promise<Answer> {
    const { requestId, tenant, clientIp } = this.claims;
    return this.links.request<Answer>(operation.callee, operation.document, variables as Record<string, unknown>, { requestId, tenant, clientIp });
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
    this.tenantScope ??= TenantScope.of(this.data, this.tenantId);
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

/** Builds a request's services from its context: a subgraph's composition root, made once per process. */
export type ComposeServices<S> = (request: RequestContext) => S;

/** The resolvers' context: the request, and the services its subgraph's composition root built for it (on first use). */
export class SubgraphContext<S = unknown> extends RequestContext {
  private built: S | undefined = undefined;

  constructor(
    claims: RequestClaims,
    process: ProcessDeps,
    private readonly compose: ComposeServices<S>,
  ) {
    super(claims, process);
  }

  get services(): S {
    this.built ??= this.compose(this);
    return this.built;
  }
}

/** Orders batch results to match the keys; a missing (or other-tenant) row is null. */
export function byKeys<T, K>(keys: readonly K[], rows: T[], keyOf: (row: T) => K): (T | null)[] {
  const index = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => index.get(key) ?? null);
}
