import type { RequestContext } from '../../kit/context';
import { badInput, conflict, notFound } from '../../../platform/errors';
import { pageRequest, type Page } from '../../kit/pagination';
import { checkIdentifier } from '../../kit/sensitive-numbers';
import { CrmConnection, CrmConnectionStatus } from '../entities/crm-connection.entity';
import { CrmLink, CrmLinkMethod } from '../entities/crm-link.entity';
import type { CreateCrmConnectionInput, LinkCrmRecordInput, UpdateCrmConnectionInput } from '../inputs/crm.input';
import { checkBaseUrl, crmOrigin } from './base-url';
import { credentialsFor, sealCredentials } from './credentials';
import type { CrmRuntime } from './crm-runtime';
import { assertEndUsersWritable, assertNotErased } from '../../kit/end-user-guard';

/** A tenant's CRM connections (managed by its admins) and its end-users' links to CRM records. */
export class CrmService {
  constructor(
    private readonly request: RequestContext,
    private readonly runtime: CrmRuntime,
  ) {}

  private get scope() {
    return this.request.scope;
  }

  connections(first?: number | null, after?: string | null): Promise<Page<CrmConnection>> {
    return this.scope.repo(CrmConnection).page({}, pageRequest(first, after));
  }

  async connection(id: string): Promise<CrmConnection> {
    // The tenant-scoped lookup returns nothing for another tenant's connection.
    const connection = await this.scope.repo(CrmConnection).findById(id);
    if (!connection) throw notFound('CRM connection');
    return connection;
  }

  async createConnection(input: CreateCrmConnectionInput): Promise<CrmConnection> {
    const credentials = credentialsFor(input.provider, input.credentials);
    const baseUrl = await checkBaseUrl(input.baseUrl, this.runtime.baseUrlPolicy);
    const connections = this.scope.repo(CrmConnection);
    const row = connections.create({
      name: input.name,
      provider: input.provider,
      role: input.role,
      baseUrl,
      status: CrmConnectionStatus.ACTIVE,
      lastError: null,
      lastErrorAt: null,
    });
    sealCredentials(await this.request.keyring.cipherFor(this.request.tenantId), row, credentials);
    return connections.save(row);
  }

  async updateConnection(id: string, input: UpdateCrmConnectionInput): Promise<CrmConnection> {
    const row = await this.connection(id);
    if (input.name) row.name = input.name;
    if (input.role) row.role = input.role;
    if (input.baseUrl) {
      const baseUrl = await checkBaseUrl(input.baseUrl, this.runtime.baseUrlPolicy);
      // Credentials are bound to the origin they were given for; another origin needs its own.
      if (!input.credentials && crmOrigin(baseUrl) !== crmOrigin(row.baseUrl)) {
        throw badInput('credentials', 'are required when the base URL moves to another scheme, host or port');
      }
      row.baseUrl = baseUrl;
    }
    if (input.credentials) {
      sealCredentials(await this.request.keyring.cipherFor(this.request.tenantId), row, credentialsFor(row.provider, input.credentials));
    }
    if (input.enabled === false) row.status = CrmConnectionStatus.DISABLED;
    if (input.enabled === true || (input.enabled !== false && (input.credentials || input.baseUrl) && row.status === CrmConnectionStatus.ERROR)) {
      row.status = CrmConnectionStatus.ACTIVE;
      row.lastError = null;
      row.lastErrorAt = null;
    }
    // In place: a connection deleted meanwhile is not brought back.
    const connections = this.scope.repo(CrmConnection);
    if (!(await connections.saveExisting(row))) throw notFound('CRM connection');
    this.runtime.reset(this.request.tenantId, row.id);
    return (await connections.findById(id)) ?? row;
  }

  /** Removes the connection and its links; the records in the CRM are left alone. */
  async deleteConnection(id: string): Promise<string> {
    const row = await this.connection(id);
    await this.scope.transaction(async (scope) => {
      await scope.repo(CrmLink).delete({ connectionId: row.id });
      await scope.repo(CrmConnection).delete({ id: row.id });
    });
    this.runtime.reset(this.request.tenantId, row.id);
    return row.id;
  }

  /** One end-user's links, a page; siblings in one request share the statement (see childPage). */
  linksOf(endUserId: string, first?: number | null, after?: string | null): Promise<Page<CrmLink>> {
    return this.request.childPage(CrmLink, 'endUserId', endUserId, first, after);
  }

  /** The end-user must exist in the tenant and be neither erased nor restricted. */
  async link(input: LinkCrmRecordInput): Promise<CrmLink> {
    checkIdentifier('externalId', input.externalId, 100, 'recordId');
    await this.connection(input.connectionId);
    await assertEndUsersWritable(this.request, [input.endUserId]);
    return this.scope.transaction(async (scope) => {
      await assertNotErased(scope, [input.endUserId]);
      const links = scope.repo(CrmLink);
      if (await links.findOne({ connectionId: input.connectionId, externalId: input.externalId })) {
        throw conflict('That CRM record is already linked');
      }
      return links.save(links.create({ ...input, method: CrmLinkMethod.MANUAL }));
    });
  }

  /** Removes the link only; the CRM record stays. */
  async unlink(id: string): Promise<string> {
    const links = this.scope.repo(CrmLink);
    const link = await links.findById(id);
    if (!link) throw notFound('CRM link');
    await links.delete({ id: link.id });
    this.runtime.forget(this.request.tenantId, link.connectionId, link.externalId);
    return link.id;
  }
}
