import { shield } from '../kit/auth/shield';
import { allow, and, can, fromSubgraph, isAuthenticated, isGatewayService, isPlatformOperator, isTenantMember, or, shieldOptions } from '../kit/auth/rules';

const tenantAdmin = can('tenant:admin');
const readsProfiles = can('profiles:read');
const managesPrivacy = can('privacy:manage');
const fromCrm = fromSubgraph('crm');
/**
 * The access export is assembled over service links, which answer identity, not the caller: so the
 * caller must hold the scope of every section it hands out (profile with whole PII, audit trail,
 * transcripts, consent, CRM records), not only privacy:manage.
 */
export const ACCESS_EXPORT_SCOPES = ['privacy:manage', 'profiles:read', 'pii:read', 'audit:read', 'transcripts:read', 'consent:read', 'crm:read'] as const;
const exportsEverything = and(...ACCESS_EXPORT_SCOPES.map(can));
/** Subgraphs that write about end-users ask first whether each one may be written about. */
const fromWriters = fromSubgraph('interactions', 'consent', 'crm');

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
      privacyRequests: managesPrivacy,
      privacyRequest: managesPrivacy,
      privacyAccessExport: exportsEverything,
      legalHolds: managesPrivacy,
      disclosures: managesPrivacy,
      endUserForCrm: fromCrm,
      endUserStates: fromWriters,
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
      createPrivacyRequest: managesPrivacy,
      retryPrivacyRequest: managesPrivacy,
      liftProcessingRestriction: managesPrivacy,
      placeLegalHold: managesPrivacy,
      releaseLegalHold: managesPrivacy,
      recordDisclosure: managesPrivacy,
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
    PrivacyRequest: managesPrivacy,
    PrivacyRequestConnection: managesPrivacy,
    PrivacyRequestEdge: managesPrivacy,
    PrivacyTask: managesPrivacy,
    LegalHold: managesPrivacy,
    LegalHoldConnection: managesPrivacy,
    LegalHoldEdge: managesPrivacy,
    Disclosure: managesPrivacy,
    DisclosureConnection: managesPrivacy,
    DisclosureEdge: managesPrivacy,
    CrmProfile: fromCrm,
    EndUserState: fromWriters,
    PageInfo: allow,
    _Service: isGatewayService,
  },
  shieldOptions,
);
