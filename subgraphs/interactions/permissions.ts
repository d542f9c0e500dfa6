import { shield } from 'graphql-shield';
import { allow, can, isGatewayService, isTenantMember, shieldOptions } from '../shared/auth/rules';

const readsTranscripts = can('transcripts:read');

export const permissions = shield(
  {
    Query: {
      interaction: readsTranscripts,
      _entities: isTenantMember,
      _service: isGatewayService,
    },
    Mutation: {
      recordInteraction: can('transcripts:write'),
    },
    EndUser: { id: isTenantMember, interactions: readsTranscripts },
    Interaction: readsTranscripts,
    InteractionConnection: readsTranscripts,
    InteractionEdge: readsTranscripts,
    TranscriptSegment: readsTranscripts,
    TranscriptSegmentConnection: readsTranscripts,
    TranscriptSegmentEdge: readsTranscripts,
    PageInfo: allow,
    _Service: isGatewayService,
  },
  shieldOptions,
);
