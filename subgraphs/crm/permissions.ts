import { shield } from '../kit/auth/shield';
import { allow, and, can, fromSubgraph, isGatewayService, isTenantMember, shieldOptions } from '../kit/auth/rules';

const readsCrm = can('crm:read');
const writesCrm = can('crm:write');
const adminsCrm = can('crm:admin');
/**
 * Matching and pushing read the profile from identity over the crm>identity link (which answers
 * crm, not the caller) and hand it to a CRM whose records the caller then reads back: both need
 * the caller's own profiles:read. A live CRM record is personal data about the end-user, so it is
 * read with profiles:read as well as crm:read.
 */
const sendsProfile = and(writesCrm, can('profiles:read'));
const readsLiveRecords = and(readsCrm, can('profiles:read'));
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
      matchCrmRecord: sendsProfile,
      pushEndUserToCrm: sendsProfile,
      privacyEraseCrm: fromIdentity,
      privacyRectifyCrm: fromIdentity,
    },
    EndUser: { id: isTenantMember, crmLinks: readsCrm, crmRecords: readsLiveRecords },
    CrmConnection: readsCrm,
    CrmConnectionConnection: readsCrm,
    CrmConnectionEdge: readsCrm,
    CrmLink: readsCrm,
    CrmLinkConnection: readsCrm,
    CrmLinkEdge: readsCrm,
    CrmRecord: readsLiveRecords,
    CrmField: readsLiveRecords,
    CrmRecordConnection: readsLiveRecords,
    CrmRecordEdge: readsLiveRecords,
    CrmPushResult: writesCrm,
    PageInfo: allow,
    _Service: isGatewayService,
  },
  shieldOptions,
);
