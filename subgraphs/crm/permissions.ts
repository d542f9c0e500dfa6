import { shield } from 'graphql-shield';
import { allow, and, hasRole, isGatewayService, isTenantMember, shieldOptions } from '../shared/auth/rules';

const readsCrm = and(isTenantMember, hasRole('admin', 'supervisor', 'agent', 'privacy_officer', 'integrator'));
const linksCrm = and(isTenantMember, hasRole('admin', 'integrator'));
const tenantAdmin = and(isTenantMember, hasRole('admin'));

export const permissions = shield(
  {
    Query: {
      crmConnections: readsCrm,
      _entities: isTenantMember,
      _service: isGatewayService,
    },
    Mutation: {
      createCrmConnection: tenantAdmin,
      linkCrmRecord: linksCrm,
    },
    EndUser: { id: allow, crmLinks: readsCrm },
    CrmConnection: allow,
    CrmConnectionConnection: allow,
    CrmConnectionEdge: allow,
    CrmLink: allow,
    CrmLinkConnection: allow,
    CrmLinkEdge: allow,
    PageInfo: allow,
    _Service: allow,
  },
  shieldOptions,
);
