import {
  buildASTSchema,
  GraphQLError,
  parse,
  printSchema,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import type { LiveSession } from './live-access';
import { activityStream, segmentStream, type LivePayload, type StreamDeps } from './live-streams';
import { RemoteQuery } from './remote-query';

export type LiveContext = { session: LiveSession } & Record<string, unknown>;

/**
 * Below the subscription's own fields every value comes from the subscriber's query through the
 * supergraph, keyed by response key (its aliases), so it is read by response key.
 */
export const byResponseKey: GraphQLFieldResolver<unknown, unknown> = (source, _args, _context, info) =>
  source && typeof source === 'object' ? (source as Record<string, unknown>)[info.path.key as string] : undefined;

/** A stream's payload as the subscription field's value: its data, or an error naming why. */
function unwrap(payload: LivePayload): unknown {
  if ('data' in payload) return payload.data;
  if ('closed' in payload) {
    const { code, reason } = payload.closed;
    throw new GraphQLError(`Subscription ended: ${reason}`, { extensions: { code: code === 4429 ? 'RATE_LIMITED' : 'FORBIDDEN', closeCode: code, reason } });
  }
  const [first] = payload.errors;
  throw new GraphQLError(first?.message ?? 'Error', { extensions: { ...first?.extensions } });
}

/** The public schema (the supergraph's API schema) with the gateway's subscription resolvers. */
export function buildLiveSchema(apiSchema: GraphQLSchema, deps: StreamDeps): GraphQLSchema {
  const schema = buildASTSchema(parse(printSchema(apiSchema)));
  const subscription = schema.getSubscriptionType();
  if (!subscription) throw new Error('The supergraph declares no Subscription type');
  const fields = subscription.getFields();
  fields.transcriptSegmentsAdded.subscribe = (_root, args: { interactionId: string; fromSequence?: number | null }, { session }: LiveContext, info) =>
    segmentStream(deps, session, RemoteQuery.segments(info), args.interactionId, args.fromSequence ?? null);
  fields.transcriptSegmentsAdded.resolve = unwrap;
  fields.interactionActivity.subscribe = (_root, args: { queue?: string | null }, { session }: LiveContext, info) =>
    activityStream(deps, session, RemoteQuery.activity(info), args.queue ?? null);
  fields.interactionActivity.resolve = unwrap;
  const activity = schema.getType('InteractionActivity') as GraphQLObjectType;
  activity.getFields().kind.resolve = (source: { kind: string }) => source.kind;
  activity.getFields().interaction.resolve = (source: { interaction: unknown }) => source.interaction;
  return schema;
}
