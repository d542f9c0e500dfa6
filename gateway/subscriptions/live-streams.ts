import type { ApolloServer } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { encodeCursor } from '../../platform/contracts/pages';
import type { LiveEvent, LiveEvents } from '../../platform/live-events';
import type { GatewayContext } from '../signed-data-source';
import { CLOSE, LiveRefusal, type CloseReason, type LiveSession } from './live-access';
import { QUEUE_ALIAS, SEQUENCE_ALIAS, type RemoteQuery } from './remote-query';

/** What a stream yields: data to deliver, the subscriber's own query errors, or why it ended. */
export type LivePayload = { data: unknown } | { errors: readonly GraphQLFormattedError[] } | { closed: CloseReason };

/** Stored segments read per query when resuming. */
const RESUME_PAGE = 100;

/** A bounded hand-over from the channel to one subscription's stream. */
class EventQueue {
  private readonly items: { event: LiveEvent; at: number }[] = [];
  private wake?: () => void;
  closed = false;

  constructor(
    private readonly max: number,
    private readonly overflow: () => void,
  ) {}

  push(event: LiveEvent): void {
    if (this.closed) return;
    // The transport waits for each delivery to be written: a client that stops reading shows here.
    if (this.items.length >= this.max) {
      this.close();
      this.overflow();
      return;
    }
    this.items.push({ event, at: Date.now() });
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async next(): Promise<{ event: LiveEvent; at: number } | null> {
    while (this.items.length === 0 && !this.closed) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = undefined;
    return this.closed ? null : this.items.shift()!;
  }
}

export interface StreamDeps {
  apollo: () => ApolloServer<GatewayContext>;
  events: LiveEvents;
}

type Row = Record<string, unknown>;

/**
 * Queries in flight, by everything that decides their answer: the caller's claims (all but the
 * request id), the document and the variables. Subscriptions of one caller to one interaction
 * share one query per event; nothing is kept once it answers.
 */
const inflight = new Map<string, Promise<Awaited<ReturnType<ApolloServer<GatewayContext>['executeOperation']>>>>();

/** Runs a query as the subscriber through the supergraph; NOT_FOUND reads as nothing there. */
async function run(deps: StreamDeps, session: LiveSession, query: RemoteQuery, own: Record<string, unknown>) {
  const variables = { ...query.variables, ...own };
  const { requestId: _unique, ...decisive } = session.claims;
  const key = JSON.stringify([decisive, query.text, variables]);
  let pending = inflight.get(key);
  if (!pending) {
    pending = deps.apollo().executeOperation({ query: query.document, variables }, { contextValue: session.context() });
    inflight.set(key, pending);
    void pending.finally(() => inflight.delete(key)).catch(() => undefined);
  }
  const response = await pending;
  const result = response.body.kind === 'single' ? response.body.singleResult : { data: null, errors: [{ message: 'Unexpected incremental result' }] };
  const errors = (result.errors ?? []).filter((error) => error.extensions?.code !== 'NOT_FOUND');
  return { interaction: ((result.data as Row | null | undefined)?.interaction ?? null) as Row | null, errors };
}

/**
 * The event stream of one subscription. Listens before reading what is stored, so nothing falls
 * between the two; every event is checked against the subscriber's access first, then resolved
 * as the subscriber's own query (which may answer nothing: another tenant's id, a restricted
 * person), so no event carries more than that query would.
 */
async function* stream(
  deps: StreamDeps,
  session: LiveSession,
  accepts: (event: LiveEvent) => boolean,
  before: (() => AsyncGenerator<LivePayload>) | null,
  deliver: (event: LiveEvent) => AsyncGenerator<LivePayload>,
): AsyncGenerator<LivePayload> {
  const queue = new EventQueue(session.maxPendingEvents, () => session.end(CLOSE.slowConsumer));
  // The channel is the subscriber's own tenant's, from its verified claims; never from its arguments.
  const off = deps.events.subscribe(session.tenantId, (event) => {
    if (accepts(event)) queue.push(event);
  });
  const offEnd = session.whenEnded(() => queue.close());
  try {
    await deps.events.ready(session.tenantId);
    await session.check();
    if (before) yield* before();
    for (let item = await queue.next(); item; item = await queue.next()) {
      await session.check(item.at);
      yield* deliver(item.event);
    }
  } catch (error) {
    if (!(error instanceof LiveRefusal)) throw error;
  } finally {
    off();
    offEnd();
  }
  if (session.endedWith) yield { closed: session.endedWith };
}

export function segmentStream(deps: StreamDeps, session: LiveSession, query: RemoteQuery, interactionId: string, fromSequence: number | null) {
  const delivered = new Set<number>();
  async function* read(after: number, first: number, only?: Set<number>): AsyncGenerator<LivePayload> {
    const { interaction, errors } = await run(deps, session, query, { _cxId: interactionId, _cxFirst: first, _cxAfter: after > 0 ? encodeCursor(String(after)) : null });
    if (errors.length > 0) {
      yield { errors };
      return;
    }
    const edges = ((interaction?.transcript as Row | undefined)?.edges ?? []) as { node: Row }[];
    for (const { node } of edges) {
      const sequence = node[SEQUENCE_ALIAS] as number;
      if (delivered.has(sequence) || (only && !only.has(sequence))) continue;
      await session.check();
      delivered.add(sequence);
      yield { data: node };
    }
  }
  async function* stored(): AsyncGenerator<LivePayload> {
    for (let after = fromSequence ?? 0; ; ) {
      let count = 0;
      let last = after;
      for await (const payload of read(after, RESUME_PAGE)) {
        if ('data' in payload) last = (payload.data as Row)[SEQUENCE_ALIAS] as number;
        count += 1;
        yield payload;
      }
      if (count < RESUME_PAGE || last === after) return;
      after = last;
    }
  }
  return stream(
    deps,
    session,
    (event) => event.kind === 'segments' && event.interactionId === interactionId,
    fromSequence === null ? null : stored,
    (event) => {
      const fresh = new Set((event as Extract<LiveEvent, { kind: 'segments' }>).sequences.filter((s) => !delivered.has(s) && s > (fromSequence ?? 0)));
      return (async function* () {
        if (fresh.size === 0) return;
        const high = Math.max(...fresh);
        for (let after = Math.min(...fresh) - 1; after < high; after += RESUME_PAGE) {
          yield* read(after, Math.min(high - after, RESUME_PAGE), fresh);
        }
      })();
    },
  );
}

export function activityStream(deps: StreamDeps, session: LiveSession, query: RemoteQuery, queue: string | null) {
  return stream(
    deps,
    session,
    (event) => event.kind === 'activity',
    null,
    async function* (event) {
      const { interaction, errors } = await run(deps, session, query, { _cxId: event.interactionId });
      if (errors.length > 0) yield { errors };
      else if (interaction && (queue === null || interaction[QUEUE_ALIAS] === queue)) {
        yield { data: { kind: (event as Extract<LiveEvent, { kind: 'activity' }>).activity, interaction } };
      }
    },
  );
}
