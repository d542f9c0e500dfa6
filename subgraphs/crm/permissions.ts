import { shield } from 'graphql-shield';
import { allow, can, isGatewayService, isTenantMember, shieldOptions } from '../shared/auth/rules';

const readsCrm = can('crm:read');

export const permissions = shield(
  {
    Query: {
      crmConnections: readsCrm,
      _entities: isTenantMember,
      _service: isGatewayService,
    },
    Mutation: {
      createCrmConnection: can('crm:admin'),
      linkCrmRecord: can('crm:write'),
    },
    EndUser: { id: isTenantMember, crmLinks: readsCrm },
    CrmConnection: readsCrm,
    CrmConnectionConnection: readsCrm,
    CrmConnectionEdge: readsCrm,
    CrmLink: readsCrm,
    CrmLinkConnection: readsCrm,
    CrmLinkEdge: readsCrm,
    PageInfo: allow,
    _Service: isGatewayService,
  },
  shieldOptions,
);
