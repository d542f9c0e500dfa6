import { shield } from 'graphql-shield';
import { allow, and, hasRole, isAuthenticated, isGatewayService, isPlatformOperator, isTenantMember, shieldOptions } from '../shared/auth/rules';

const readsProfiles = and(isTenantMember, hasRole('admin', 'supervisor', 'agent', 'privacy_officer', 'integrator'));
const writesProfiles = and(isTenantMember, hasRole('admin', 'supervisor', 'agent', 'integrator'));
const tenantAdmin = and(isTenantMember, hasRole('admin'));

export const permissions = shield(
  {
    Query: {
      me: isAuthenticated,
      tenant: isTenantMember,
      tenants: isPlatformOperator,
      endUser: readsProfiles,
      endUsers: readsProfiles,
      _entities: isTenantMember,
      _service: isGatewayService,
    },
    Mutation: {
      createTenant: isPlatformOperator,
      updateTenantAccessPolicy: tenantAdmin,
      createEndUser: writesProfiles,
      updateEndUser: writesProfiles,
    },
    Me: allow,
    Tenant: allow,
    AccessPolicy: allow,
    TenantConnection: allow,
    TenantEdge: allow,
    EndUser: allow,
    EndUserConnection: allow,
    EndUserEdge: allow,
    PostalAddress: allow,
    Geolocation: allow,
    PageInfo: allow,
    _Service: allow,
  },
  shieldOptions,
);
