import { shield } from '../kit/auth/shield';
import { allow, can, fromSubgraph, isGatewayService, isPlatformOperator, isTenantMember, isWidget, or, shieldOptions } from '../kit/auth/rules';

const readsConsent = can('consent:read');
const writesConsent = can('consent:write');
const managesPolicy = can('policy:manage');
const signedIn = or(isTenantMember, isPlatformOperator);
// One rule object per caller: shield refuses two rules of the same name.
const fromInteractions = fromSubgraph('interactions');
const fromCrm = fromSubgraph('crm');
const fromIdentity = fromSubgraph('identity');

export const permissions = shield(
  {
    Query: {
      // The tenant's notice is read by those who work with consent (analysts see metrics only).
      policyVersions: or(readsConsent, managesPolicy),
      upcomingPolicyChange: or(readsConsent, managesPolicy),
      platformPolicyVersions: signedIn,
      upcomingPlatformPolicyChange: signedIn,
      contactOptOuts: readsConsent,
      subProcessors: signedIn,
      subProcessorNotices: signedIn,
      contactDecision: fromInteractions,
      sharingDecision: fromCrm,
      privacyExportConsent: fromIdentity,
      _entities: isTenantMember,
      _service: isGatewayService,
    },
    Mutation: {
      recordConsent: writesConsent,
      publishPolicyVersion: managesPolicy,
      publishPlatformPolicyVersion: isPlatformOperator,
      optOutOfContact: writesConsent,
      optBackIntoContact: writesConsent,
      recordCookieConsent: isWidget,
      linkVisitor: writesConsent,
      addSubProcessor: isPlatformOperator,
      setProcessingRestriction: fromIdentity,
      recordObjection: fromIdentity,
      privacyEraseConsent: fromIdentity,
    },
    EndUser: {
      id: isTenantMember,
      consents: readsConsent,
      consentState: readsConsent,
      contactPreferences: readsConsent,
      thirdPartySharing: readsConsent,
      cookieConsent: readsConsent,
    },
    ConsentRecord: readsConsent,
    ConsentRecordConnection: readsConsent,
    ConsentRecordEdge: readsConsent,
    PurposeConsent: readsConsent,
    ContactPreference: readsConsent,
    CookieConsent: readsConsent,
    ContactOptOut: readsConsent,
    ContactOptOutConnection: readsConsent,
    ContactOptOutEdge: readsConsent,
    // Answered to interactions, crm, and to readers of an end-user's state.
    ContactDecision: or(fromInteractions, readsConsent),
    SharingDecision: or(fromCrm, readsConsent),
    PolicyVersion: isTenantMember,
    PolicyVersionConnection: isTenantMember,
    PolicyVersionEdge: isTenantMember,
    PlatformPolicyVersion: signedIn,
    PlatformPolicyVersionConnection: signedIn,
    PlatformPolicyVersionEdge: signedIn,
    SubProcessor: signedIn,
    SubProcessorConnection: signedIn,
    SubProcessorEdge: signedIn,
    SubProcessorNotice: signedIn,
    SubProcessorNoticeConnection: signedIn,
    SubProcessorNoticeEdge: signedIn,
    PageInfo: allow,
    _Service: isGatewayService,
  },
  shieldOptions,
);
