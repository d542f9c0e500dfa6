import { shield } from 'graphql-shield';
import { allow, and, hasRole, isGatewayService, isTenantMember, shieldOptions } from '../shared/auth/rules';

const readsConsent = and(isTenantMember, hasRole('admin', 'supervisor', 'agent', 'privacy_officer'));
const writesConsent = and(isTenantMember, hasRole('admin', 'supervisor', 'agent'));

export const permissions = shield(
  {
    Query: {
      policyVersions: isTenantMember,
      _entities: isTenantMember,
      _service: isGatewayService,
    },
    Mutation: {
      recordConsent: writesConsent,
    },
    EndUser: { id: allow, consents: readsConsent },
    ConsentRecord: allow,
    ConsentRecordConnection: allow,
    ConsentRecordEdge: allow,
    PolicyVersion: allow,
    PolicyVersionConnection: allow,
    PolicyVersionEdge: allow,
    PageInfo: allow,
    _Service: allow,
  },
  shieldOptions,
);
