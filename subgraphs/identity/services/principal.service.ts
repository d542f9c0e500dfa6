import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { DataSource } from 'typeorm';
import { ADMIN_GRADE_SCOPES, API_CLIENT_SCOPES, apiClientScopes, isScope } from '../../kit/auth/roles';
import type { AccessEvents } from '../../../platform/access-events';
import { badInput, conflict, notFound } from '../../../platform/errors';
import { pageRequest, type Page } from '../../kit/pagination';
import { TenantScope } from '../../kit/tenant-repository';
import { ApiClient } from '../entities/api-client.entity';
import { Operator, PrincipalStatus, type OperatorRole } from '../entities/operator.entity';
import { Tenant, TenantStatus } from '../entities/tenant.entity';
import type { CreateApiClientInput, InviteOperatorInput } from '../inputs/principal.input';
import type { PrincipalAccess, VerifiedClient } from '../../../platform/contracts/identity-lookups';

const scrypt = promisify(scryptCallback) as (secret: string, salt: Buffer, length: number) => Promise<Buffer>;

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  return `scrypt$${salt.toString('base64url')}$${(await scrypt(secret, salt, 32)).toString('base64url')}`;
}

export async function secretMatches(secret: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(secret, Buffer.from(salt, 'base64url'), expected.length);
  return timingSafeEqual(actual, expected);
}

/** Operators and API clients of one tenant, managed by its admin. Every change is announced. */
export class PrincipalService {
  constructor(
    private readonly scope: TenantScope,
    private readonly tenantSlug: string,
    private readonly events: AccessEvents,
  ) {}

  operators(first?: number | null, after?: string | null): Promise<Page<Operator>> {
    return this.scope.repo(Operator).page({}, pageRequest(first, after));
  }

  async inviteOperator(input: InviteOperatorInput): Promise<Operator> {
    await this.events.assertReachable();
    const operators = this.scope.repo(Operator);
    if (await operators.findOne({ subject: input.subject })) throw conflict('An operator with that subject already exists');
    const operator = await operators.save(
      operators.create({
        subject: input.subject,
        email: input.email.toLowerCase(),
        displayName: input.displayName ?? null,
        roles: [...new Set(input.roles)],
        status: PrincipalStatus.ACTIVE,
      }),
    );
    await this.events.publish(this.tenantSlug);
    return operator;
  }

  async setOperatorRoles(id: string, roles: OperatorRole[], actingSubject: string): Promise<Operator> {
    await this.events.assertReachable();
    if (roles.length === 0) throw badInput('roles', 'needs at least one role; revoke the operator instead');
    const operator = await this.operator(id);
    if (operator.subject === actingSubject && !roles.includes('admin' as OperatorRole)) {
      throw conflict('You cannot remove your own admin role');
    }
    operator.roles = [...new Set(roles)];
    const saved = await this.scope.repo(Operator).save(operator);
    await this.events.publish(this.tenantSlug);
    return saved;
  }

  async setOperatorStatus(id: string, status: PrincipalStatus, actingSubject: string): Promise<Operator> {
    await this.events.assertReachable();
    const operator = await this.operator(id);
    if (operator.subject === actingSubject) throw conflict('You cannot change your own access');
    operator.status = status;
    const saved = await this.scope.repo(Operator).save(operator);
    await this.events.publish(this.tenantSlug);
    return saved;
  }

  apiClients(first?: number | null, after?: string | null): Promise<Page<ApiClient>> {
    return this.scope.repo(ApiClient).page({}, pageRequest(first, after));
  }

  /** Returns the secret once; only its hash is kept. */
  async createApiClient(input: CreateApiClientInput): Promise<{ client: ApiClient; clientSecret: string }> {
    for (const scope of input.scopes) {
      if (!isScope(scope)) throw badInput('scopes', `contains an unknown scope (an API client may hold ${API_CLIENT_SCOPES.join(', ')})`);
      if (ADMIN_GRADE_SCOPES.includes(scope)) throw badInput('scopes', `${scope} is admin-grade: only operators hold it (an API client may hold ${API_CLIENT_SCOPES.join(', ')})`);
      if (!API_CLIENT_SCOPES.includes(scope)) throw badInput('scopes', `${scope} is not a scope an API client may hold (${API_CLIENT_SCOPES.join(', ')})`);
    }
    const clientSecret = `cxs_${randomBytes(32).toString('base64url')}`;
    const clients = this.scope.repo(ApiClient);
    const client = await clients.save(
      clients.create({
        name: input.name,
        clientId: `cxc_${randomBytes(12).toString('hex')}`,
        secretHash: await hashSecret(clientSecret),
        scopes: [...new Set(input.scopes)],
        status: PrincipalStatus.ACTIVE,
        lastUsedAt: null,
      }),
    );
    return { client, clientSecret };
  }

  async revokeApiClient(id: string): Promise<ApiClient> {
    await this.events.assertReachable();
    const client = await this.scope.repo(ApiClient).findById(id);
    if (!client) throw notFound('API client');
    client.status = PrincipalStatus.REVOKED;
    const saved = await this.scope.repo(ApiClient).save(client);
    await this.events.publish(this.tenantSlug);
    return saved;
  }

  private async operator(id: string): Promise<Operator> {
    const operator = await this.scope.repo(Operator).findById(id);
    if (!operator) throw notFound('Operator');
    return operator;
  }
}

/** The gateway's per-request questions: is this tenant live, and may this principal act for it? */
export class PrincipalDirectory {
  constructor(private readonly dataSource: DataSource) {}

  async resolve(slug: string, kind: string, subject: string): Promise<PrincipalAccess> {
    const tenant = await this.dataSource.getRepository(Tenant).findOneBy({ slug });
    if (!tenant) return { tenant: null, principal: { status: 'UNREGISTERED' } };
    const access = { id: tenant.id, slug: tenant.slug, status: tenant.status, accessPolicy: tenant.accessPolicy };
    const scope = TenantScope.of(this.dataSource, tenant.id);
    if (kind === 'api_client') {
      const client = await scope.repo(ApiClient).findOne({ clientId: subject });
      if (!client) return { tenant: access, principal: { status: 'UNREGISTERED' } };
      if (client.status !== PrincipalStatus.ACTIVE) return { tenant: access, principal: { status: 'REVOKED' } };
      // A client stored with a scope clients may no longer hold loses it here, at authentication.
      return { tenant: access, principal: { status: 'ACTIVE', roles: [], scopes: apiClientScopes(client.scopes) } };
    }
    const operator = await scope.repo(Operator).findOne({ subject });
    if (!operator) return { tenant: access, principal: { status: 'UNREGISTERED' } };
    if (operator.status !== PrincipalStatus.ACTIVE) return { tenant: access, principal: { status: 'REVOKED' } };
    return { tenant: access, principal: { status: 'ACTIVE', roles: operator.roles, scopes: [] } };
  }

  /** Client-credentials check for the token endpoint; null for any failure, said the same way. */
  async verifyClient(clientId: string, clientSecret: string): Promise<VerifiedClient> {
    // Looked up across tenants by its globally unique client id, before any tenant is known.
    const client = await this.dataSource.getRepository(ApiClient).findOneBy({ clientId });
    const matches = client ? await secretMatches(clientSecret, client.secretHash) : await hashSecret(clientSecret).then(() => false);
    if (!client || !matches || client.status !== PrincipalStatus.ACTIVE) return null;
    const tenant = await this.dataSource.getRepository(Tenant).findOneBy({ id: client.tenantId });
    if (!tenant || tenant.status !== TenantStatus.ACTIVE) return null;
    await this.dataSource.getRepository(ApiClient).update({ id: client.id, tenantId: client.tenantId }, { lastUsedAt: new Date() });
    return { tenantSlug: tenant.slug, clientId: client.clientId, scopes: apiClientScopes(client.scopes) };
  }
}
