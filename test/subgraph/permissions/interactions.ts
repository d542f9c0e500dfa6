import { EVERYONE, from, GATEWAY, holding, MEMBERS, NOBODY, type Expectations } from './principals';

const reads = holding('transcripts:read');
const writes = holding('transcripts:write');
const metrics = holding('metrics:read');
const admins = holding('tenant:admin');

export const interactions: Expectations = {
  'Query.interaction': reads,
  'Query.interactionMetrics': metrics,
  'Query.interactionSettings': admins,
  'Query.privacyExportInteractions': from('identity'),
  'Query._entities': MEMBERS,
  'Query._service': GATEWAY,
  'Mutation.recordInteraction': writes,
  'Mutation.appendTranscriptSegments': writes,
  'Mutation.endInteraction': writes,
  'Mutation.transferInteraction': writes,
  'Mutation.updateInteractionSettings': admins,
  'Mutation.privacyEraseInteractions': from('identity'),
  'EndUser.id': MEMBERS,
  'EndUser.interactions': reads,
  Interaction: reads,
  InteractionConnection: reads,
  InteractionEdge: reads,
  TranscriptSegment: reads,
  TranscriptSegmentConnection: reads,
  TranscriptSegmentEdge: reads,
  Redactions: reads,
  // What a write returns is the writer's to see.
  TranscriptAppendResult: writes,
  InteractionMetrics: metrics,
  InteractionMetricGroup: metrics,
  MetricsPrivacy: metrics,
  MetricNoise: metrics,
  InteractionSettings: admins,
  RedactionPatternSetting: admins,
  // Declared for the supergraph, served by the gateway: the subgraph's fallback refuses everyone.
  Subscription: NOBODY,
  InteractionActivity: NOBODY,
  PageInfo: EVERYONE,
  _Service: GATEWAY,
};
