import { shield } from 'graphql-shield';
import { allow, can, isAuthenticated, isGatewayService, isPlatformOperator, isTenantMember, or, shieldOptions } from '../shared/auth/rules';

const tenantAdmin = can('tenant:admin');
const readsProfiles = can('profiles:read');

export const permissions = shield(
  {
    Query: {
      me: isAuthenticated,
      tenant: isTenantMember,
      tenants: isPlatformOperator,
      endUser: readsProfiles,
      endUsers: readsProfiles,
      auditEvents: can('audit:read'),
      operators: tenantAdmin,
      apiClients: tenantAdmin,
      _entities: isTenantMember,
      _service: isGatewayService,
    },
    Mutation: {
      createTenant: isPlatformOperator,
      setTenantStatus: isPlatformOperator,
      updateTenantAccessPolicy: tenantAdmin,
      rotateWidgetKey: tenantAdmin,
      updateWidgetOrigins: tenantAdmin,
      createEndUser: can('profiles:write'),
      updateEndUser: can('profiles:write'),
      upsertEndUser: can('profiles:write'),
      inviteOperator: tenantAdmin,
      setOperatorRoles: tenantAdmin,
      revokeOperator: tenantAdmin,
      reinstateOperator: tenantAdmin,
      createApiClient: tenantAdmin,
      revokeApiClient: tenantAdmin,
    },
    Me: isAuthenticated,
    Tenant: { '*': or(isTenantMember, isPlatformOperator), accessPolicy: or(tenantAdmin, isPlatformOperator), widget: tenantAdmin },
    AccessPolicy: or(tenantAdmin, isPlatformOperator),
    WidgetSettings: tenantAdmin,
    TenantConnection: isPlatformOperator,
    TenantEdge: isPlatformOperator,
    // Masking of sensitive fields without pii:read happens in EndUserResolver.
    EndUser: readsProfiles,
    EndUserConnection: readsProfiles,
    EndUserEdge: readsProfiles,
    PostalAddress: readsProfiles,
    Geolocation: readsProfiles,
    AuditEvent: can('audit:read'),
    AuditEventConnection: can('audit:read'),
    AuditEventEdge: can('audit:read'),
    Operator: tenantAdmin,
    OperatorConnection: tenantAdmin,
    OperatorEdge: tenantAdmin,
    ApiClient: tenantAdmin,
    ApiClientConnection: tenantAdmin,
    ApiClientEdge: tenantAdmin,
    CreatedApiClient: tenantAdmin,
    PageInfo: allow,
    _Service: isGatewayService,
  },
  shieldOptions,
);
