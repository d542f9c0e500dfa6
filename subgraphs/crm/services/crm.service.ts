import { conflict, notFound } from '../../shared/errors';
import { pageRequest, type Page } from '../../shared/pagination';
import type { TenantScope } from '../../shared/tenant-repository';
import { CrmConnection, CrmConnectionStatus } from '../entities/crm-connection.entity';
import { CrmLink, CrmLinkMethod } from '../entities/crm-link.entity';
import type { CreateCrmConnectionInput, LinkCrmRecordInput } from '../inputs/crm.input';

export class CrmService {
  constructor(private readonly scope: TenantScope) {}

  connections(first?: number | null, after?: string | null): Promise<Page<CrmConnection>> {
    return this.scope.repo(CrmConnection).page({}, pageRequest(first, after));
  }


  createConnection(input: CreateCrmConnectionInput): Promise<CrmConnection> {
    const connections = this.scope.repo(CrmConnection);
    return connections.save(connections.create({ ...input, status: CrmConnectionStatus.ACTIVE, lastError: null }));
  }

  async link(input: LinkCrmRecordInput): Promise<CrmLink> {
    // The connection must be the caller's own: the tenant-scoped lookup returns nothing otherwise.
    if (!(await this.scope.repo(CrmConnection).findById(input.connectionId))) throw notFound('CRM connection');
    const links = this.scope.repo(CrmLink);
    if (await links.findOne({ connectionId: input.connectionId, externalId: input.externalId })) {
      throw conflict('That CRM record is already linked');
    }
    return links.save(links.create({ ...input, method: CrmLinkMethod.MANUAL }));
  }
}
