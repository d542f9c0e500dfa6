import { shield } from 'graphql-shield';
import { allow, can, fromSubgraph, isGatewayService, isTenantMember, shieldOptions } from '../shared/auth/rules';

const readsCrm = can('crm:read');
const writesCrm = can('crm:write');
const adminsCrm = can('crm:admin');
/** Privacy requests reach the CRMs only through identity, over its service link. */
const fromIdentity = fromSubgraph('identity');

export const permissions = shield(
  {
    Query: {
      crmConnections: readsCrm,
      privacyExportCrm: fromIdentity,
      _entities: isTenantMember,
      _service: isGatewayService,
    },
    Mutation: {
      createCrmConnection: adminsCrm,
      updateCrmConnection: adminsCrm,
      deleteCrmConnection: adminsCrm,
      linkCrmRecord: writesCrm,
      unlinkCrmRecord: writesCrm,
      matchCrmRecord: writesCrm,
      pushEndUserToCrm: writesCrm,
      privacyEraseCrm: fromIdentity,
      privacyRectifyCrm: fromIdentity,
    },
    EndUser: { id: isTenantMember, crmLinks: readsCrm, crmRecords: readsCrm },
    CrmConnection: readsCrm,
    CrmConnectionConnection: readsCrm,
    CrmConnectionEdge: readsCrm,
    CrmLink: readsCrm,
    CrmLinkConnection: readsCrm,
    CrmLinkEdge: readsCrm,
    CrmRecord: readsCrm,
    CrmField: readsCrm,
    CrmRecordConnection: readsCrm,
    CrmRecordEdge: readsCrm,
    CrmPushResult: writesCrm,
    PageInfo: allow,
    _Service: isGatewayService,
  },
  shieldOptions,
);
