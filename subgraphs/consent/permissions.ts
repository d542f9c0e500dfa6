import { shield } from 'graphql-shield';
import { allow, can, isGatewayService, isTenantMember, shieldOptions } from '../shared/auth/rules';

const readsConsent = can('consent:read');

export const permissions = shield(
  {
    Query: {
      policyVersions: isTenantMember,
      _entities: isTenantMember,
      _service: isGatewayService,
    },
    Mutation: {
      recordConsent: can('consent:write'),
    },
    EndUser: { id: isTenantMember, consents: readsConsent },
    ConsentRecord: readsConsent,
    ConsentRecordConnection: readsConsent,
    ConsentRecordEdge: readsConsent,
    PolicyVersion: isTenantMember,
    PolicyVersionConnection: isTenantMember,
    PolicyVersionEdge: isTenantMember,
    PageInfo: allow,
    _Service: isGatewayService,
  },
  shieldOptions,
);
