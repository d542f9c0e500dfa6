import { randomBytes } from 'node:crypto';
import { pageRequest, type Page } from '../../kit/pagination';
import type { PlatformRepository, PlatformTables } from '../../kit/platform-tables';
import { addressAllowed, normaliseCidrs } from '../../../platform/addresses';
import { badInput, conflict, notFound } from '../../../platform/errors';
import { newId } from '../../kit/tenant-entity';
import { AccessMode, Tenant, TenantStatus } from '../entities/tenant.entity';
import type { AccessEvents } from '../../../platform/access-events';
import type { CreateTenantInput } from '../inputs/create-tenant.input';
import type { AccessPolicyInput } from '../inputs/access-policy.input';
import type { WidgetAccess } from '../../../platform/contracts/identity-lookups';

/** Exact origins, as browsers send them: https (http only for localhost), no path; names the first bad one. */
export function normaliseOrigins(origins: string[]): string[] {
  if (origins.length > 50) throw badInput('origins', 'at most 50 origins');
  return [
    ...new Set(
      origins.map((origin, index) => {
        let url: URL;
        try {
          url = new URL(origin.trim());
        } catch {
          throw badInput(`origins[${index}]`, 'is not a URL origin such as https://www.example.com');
        }
        const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
        if ((url.protocol !== 'https:' && !(local && url.protocol === 'http:')) || url.pathname.length > 1 || url.search || url.username) {
          throw badInput(`origins[${index}]`, 'must be an https origin (scheme://host[:port]) without a path');
        }
        return url.origin;
      }),
    ),
  ];
}

/**
 * Tenants are platform-level records: no tenant scope applies, callers are checked by shield.
 * Every change is announced on `events`, so gateways drop what they cached about the tenant.
 */
export class TenantService {
  private readonly tenants: PlatformRepository<Tenant>;

  constructor(
    platform: PlatformTables,
    private readonly events: AccessEvents,
  ) {
    this.tenants = platform.repo(Tenant);
  }

  async create(input: CreateTenantInput): Promise<Tenant> {
    if (await this.tenants.exists({ slug: input.slug })) {
      throw conflict(`A tenant with slug "${input.slug}" already exists`);
    }
    const tenant = this.tenants.create({
      ...input,
      id: newId(),
      status: TenantStatus.ACTIVE,
      accessMode: AccessMode.EVERYONE,
      allowedCidrs: [],
    });
    const saved = await this.tenants.save(tenant);
    // A gateway may have cached the slug as unknown.
    await this.events.publish(saved.slug);
    return saved;
  }

  list(first?: number | null, after?: string | null): Promise<Page<Tenant>> {
    return this.tenants.page({}, pageRequest(first, after));
  }

  async get(id: string): Promise<Tenant> {
    const tenant = await this.tenants.findOneBy({ id });
    if (!tenant) throw notFound('Tenant');
    return tenant;
  }

  /** `callerIp` is the admin's own address: a policy that would refuse it is itself refused. */
  async updateAccessPolicy(tenantId: string, input: AccessPolicyInput, callerIp: string): Promise<Tenant> {
    await this.events.assertReachable();
    const cidrs = normaliseCidrs(input.cidrs);
    if (input.mode === AccessMode.ALLOWLIST && cidrs.length === 0) {
      throw badInput('cidrs', 'an allowlist needs at least one CIDR');
    }
    if (!addressAllowed(callerIp, { mode: input.mode, cidrs })) {
      throw conflict(`This allowlist would refuse your own address (${callerIp}); include it first`);
    }
    const tenant = await this.get(tenantId);
    tenant.accessMode = input.mode;
    tenant.allowedCidrs = cidrs;
    const saved = await this.tenants.save(tenant);
    await this.events.publish(saved.slug);
    return saved;
  }

  /** A new public widget key; the old one stops working from the next request. */
  async rotateWidgetKey(tenantId: string): Promise<Tenant> {
    await this.events.assertReachable();
    const tenant = await this.get(tenantId);
    tenant.widgetKey = `cxw_${randomBytes(24).toString('base64url')}`;
    const saved = await this.tenants.save(tenant);
    await this.events.publish(saved.slug);
    return saved;
  }

  async updateWidgetOrigins(tenantId: string, origins: string[]): Promise<Tenant> {
    await this.events.assertReachable();
    const tenant = await this.get(tenantId);
    tenant.widgetOrigins = normaliseOrigins(origins);
    const saved = await this.tenants.save(tenant);
    await this.events.publish(saved.slug);
    return saved;
  }

  /** The gateway's question for a widget request: whose key is this, and where may it be used? */
  async widgetAccess(key: string): Promise<WidgetAccess> {
    if (!key) return null;
    const tenant = await this.tenants.findOneBy({ widgetKey: key });
    if (!tenant) return null;
    return {
      tenant: { id: tenant.id, slug: tenant.slug, status: tenant.status, accessPolicy: tenant.accessPolicy },
      origins: tenant.widgetOrigins ?? [],
    };
  }

  async setStatus(id: string, status: TenantStatus): Promise<Tenant> {
    await this.events.assertReachable();
    const tenant = await this.get(id);
    tenant.status = status;
    const saved = await this.tenants.save(tenant);
    await this.events.publish(saved.slug);
    return saved;
  }
}
