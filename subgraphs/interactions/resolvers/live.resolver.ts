import { Arg, Field, ID, Int, ObjectType, registerEnumType, Resolver, Subscription, type PubSub } from 'type-graphql';
import { DomainError } from '../../../platform/errors';
import { Interaction } from '../entities/interaction.entity';
import { TranscriptSegment } from '../entities/transcript-segment.entity';

export enum InteractionActivityKind {
  STARTED = 'STARTED',
  ENDED = 'ENDED',
  TRANSFERRED = 'TRANSFERRED',
}
registerEnumType(InteractionActivityKind, { name: 'InteractionActivityKind' });

@ObjectType({ description: 'An interaction of your tenant started, ended, or moved to another queue (transferInteraction).' })
export class InteractionActivity {
  @Field(() => InteractionActivityKind)
  kind: InteractionActivityKind;

  @Field(() => Interaction, { description: 'As a query by you would read it now.' })
  interaction: Interaction;
}

/**
 * Declared here so the supergraph (and Sandbox) show them; served by the gateway over graphql-ws
 * and graphql-sse, which resolves every event as a query by the subscriber. Nothing here runs.
 */
const servedByGateway = (): never => {
  throw new DomainError('BAD_USER_INPUT', 'Subscriptions are served by the gateway over WebSocket (graphql-ws) or SSE');
};

/** type-graphql asks for one when a schema declares subscriptions; this subgraph never serves them. */
export const gatewayServedPubSub: PubSub = {
  publish: () => undefined,
  subscribe: () => servedByGateway(),
};

@Resolver()
export class LiveResolver {
  @Subscription(() => TranscriptSegment, {
    subscribe: servedByGateway,
    description: 'Segments of one interaction as they are appended (redacted), in sequence order per append; from `fromSequence` on, stored ones first, so a client that reconnects misses nothing.',
  })
  transcriptSegmentsAdded(
    @Arg('interactionId', () => ID) _interactionId: string,
    @Arg('fromSequence', () => Int, { nullable: true, description: 'Also deliver stored segments after this sequence first.' }) _fromSequence?: number,
  ): TranscriptSegment {
    return servedByGateway();
  }

  @Subscription(() => InteractionActivity, {
    subscribe: servedByGateway,
    description: 'Interactions of your tenant started, ended and transferred, optionally of one queue: a supervisor’s live board.',
  })
  interactionActivity(@Arg('queue', () => String, { nullable: true }) _queue?: string): InteractionActivity {
    return servedByGateway();
  }
}
