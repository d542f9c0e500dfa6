import { shield } from 'graphql-shield';
import { allow, and, hasRole, isGatewayService, isTenantMember, shieldOptions } from '../shared/auth/rules';

const readsInteractions = and(isTenantMember, hasRole('admin', 'supervisor', 'agent', 'privacy_officer'));
const writesInteractions = and(isTenantMember, hasRole('admin', 'supervisor', 'agent'));

export const permissions = shield(
  {
    Query: {
      interaction: readsInteractions,
      _entities: isTenantMember,
      _service: isGatewayService,
    },
    Mutation: {
      recordInteraction: writesInteractions,
    },
    EndUser: { id: allow, interactions: readsInteractions },
    Interaction: allow,
    InteractionConnection: allow,
    InteractionEdge: allow,
    TranscriptSegment: allow,
    TranscriptSegmentConnection: allow,
    TranscriptSegmentEdge: allow,
    PageInfo: allow,
    _Service: allow,
  },
  shieldOptions,
);
