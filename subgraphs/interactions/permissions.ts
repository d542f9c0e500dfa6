import { shield } from '../kit/auth/shield';
import { allow, can, fromSubgraph, isGatewayService, isTenantMember, shieldOptions } from '../kit/auth/rules';

const readsTranscripts = can('transcripts:read');
const writesTranscripts = can('transcripts:write');
const readsMetrics = can('metrics:read');
const tenantAdmin = can('tenant:admin');
const fromIdentity = fromSubgraph('identity');

export const permissions = shield(
  {
    Query: {
      interaction: readsTranscripts,
      interactionMetrics: readsMetrics,
      interactionSettings: tenantAdmin,
      privacyExportInteractions: fromIdentity,
      _entities: isTenantMember,
      _service: isGatewayService,
    },
    Mutation: {
      recordInteraction: writesTranscripts,
      appendTranscriptSegments: writesTranscripts,
      endInteraction: writesTranscripts,
      transferInteraction: writesTranscripts,
      updateInteractionSettings: tenantAdmin,
      privacyEraseInteractions: fromIdentity,
    },
    EndUser: { id: isTenantMember, interactions: readsTranscripts },
    Interaction: readsTranscripts,
    InteractionConnection: readsTranscripts,
    InteractionEdge: readsTranscripts,
    TranscriptSegment: readsTranscripts,
    TranscriptSegmentConnection: readsTranscripts,
    TranscriptSegmentEdge: readsTranscripts,
    Redactions: readsTranscripts,
    // Returned by a write: the caller may write transcripts, so it may see what it wrote.
    TranscriptAppendResult: writesTranscripts,
    InteractionMetrics: readsMetrics,
    InteractionMetricGroup: readsMetrics,
    MetricsPrivacy: readsMetrics,
    MetricNoise: readsMetrics,
    InteractionSettings: tenantAdmin,
    RedactionPatternSetting: tenantAdmin,
    PageInfo: allow,
    _Service: isGatewayService,
  },
  shieldOptions,
);
