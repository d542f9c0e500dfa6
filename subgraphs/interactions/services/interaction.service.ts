import { In, LessThan, MoreThan } from 'typeorm';
import { badInput, conflict, DomainError, forbidden, notFound } from '../../shared/errors';
import { encodeCursor, pageRequest, type Page } from '../../shared/pagination';
import { checkIdentifier } from '../../shared/sensitive-numbers';
import { unavailable } from '../../shared/service-client';
import type { TenantScope } from '../../shared/tenant-repository';
import { Direction, Interaction } from '../entities/interaction.entity';
import { TranscriptSegment } from '../entities/transcript-segment.entity';
import {
  MAX_APPENDED_SEGMENTS,
  MAX_TEXT_LENGTH,
  type EndInteractionInput,
  type RecordInteractionInput,
  type TranscriptSegmentInput,
} from '../inputs/record-interaction.input';
import type { ContactGate } from './contact-gate';
import { InteractionSettingsService } from './interaction-settings.service';
import { sameRedactedText, type Redacted, type RedactedPart, type Redactor } from './redaction';
import { isUniqueViolation } from './unique-violation';

export interface AppendResult {
  interaction: Interaction;
  /** Sequences stored by this call. */
  appended: number[];
  /** Sequences already stored with the same speaker and text: ignored. */
  duplicates: number[];
  redactions: number;
}

export class InteractionService {
  constructor(
    private readonly scope: TenantScope,
    /** Asked before an outbound interaction; without one, outbound contact is refused as unavailable. */
    private readonly gate?: ContactGate,
  ) {}

  findMany(ids: readonly string[]): Promise<Interaction[]> {
    return this.scope.repo(Interaction).findByIds(ids);
  }

  async get(id: string): Promise<Interaction> {
    const interaction = await this.scope.repo(Interaction).findById(id);
    if (!interaction) throw notFound('Interaction');
    return interaction;
  }


  /** Transcript in sequence order, whatever order it arrived in; the cursor is the sequence number. */
  async transcript(interactionId: string, first?: number | null, after?: string | null): Promise<Page<TranscriptSegment>> {
    const request = pageRequest(first, after);
    const afterSequence = request.afterId === undefined ? 0 : Number(request.afterId);
    if (!Number.isInteger(afterSequence)) throw badInput('after', 'is not a valid cursor');
    const rows = await this.scope.repo(TranscriptSegment).find({
      where: { interactionId, sequence: MoreThan(afterSequence) },
      order: { sequence: 'ASC' },
      take: request.first + 1,
    });
    const nodes = rows.slice(0, request.first);
    const edges = nodes.map((node) => ({ cursor: encodeCursor(String(node.sequence)), node }));
    return { edges, pageInfo: { hasNextPage: rows.length > request.first, endCursor: edges.at(-1)?.cursor ?? null } };
  }

  /**
   * The interaction and its initial transcript (redacted) are written together or not at all. An
   * outbound contact is first cleared with consent; a refusal or no answer records nothing.
   */
  async record(input: RecordInteractionInput): Promise<Interaction> {
    const startedAt = input.startedAt ?? new Date();
    if (input.endedAt && input.endedAt < startedAt) throw badInput('endedAt', 'must not be before startedAt');
    checkSegments(input.transcript, 'transcript', true);
    const agentId = input.agentId == null ? null : checkIdentifier('agentId', input.agentId, MAX_AGENT_ID);
    const queue = input.queue == null ? null : checkIdentifier('queue', input.queue, MAX_QUEUE);
    if (input.direction === Direction.OUTBOUND) await this.clearOutbound(input);
    const redactor = await new InteractionSettingsService(this.scope).redactor();
    const redacted = redactInOrder(redactor, input.transcript);
    const disposition = input.disposition == null ? null : redactDisposition(redactor, input.disposition);
    return this.scope.transaction(async (scope) => {
      const interactions = scope.repo(Interaction);
      const interaction = await interactions.save(
        interactions.create({
          endUserId: input.endUserId ?? null,
          channel: input.channel,
          direction: input.direction,
          startedAt,
          endedAt: input.endedAt ?? null,
          agentId,
          queue,
          disposition,
        }),
      );
      const segments = scope.repo(TranscriptSegment);
      if (input.transcript.length > 0) {
        await segments.saveMany(input.transcript.map((segment, index) => newSegment(scope, interaction.id, segment, redacted[index])));
      }
      return interaction;
    });
  }

  private async clearOutbound(input: RecordInteractionInput): Promise<void> {
    if (!input.endUserId) throw badInput('endUserId', 'is required for an outbound interaction');
    if (!this.gate) throw unavailable('consent');
    const decision = await this.gate.decide(input.endUserId, input.channel);
    if (decision.allowed) return;
    if (decision.reason === 'RESTRICTED') throw forbidden('Outbound contact refused: processing of this end-user’s data is restricted');
    if (decision.reason === 'OPTED_OUT') throw forbidden(`Outbound contact refused: the end-user opted out of ${input.channel} contact`);
    throw forbidden('Outbound contact refused');
  }

  /**
   * Live ingestion: appends segments as they arrive, in one transaction. Idempotent per sequence: a
   * repeat with the same speaker and (redacted) text is reported as a duplicate and ignored; a
   * different segment at a stored sequence is a CONFLICT and stores nothing of the batch.
   */
  async append(interactionId: string, segments: TranscriptSegmentInput[], retried = false): Promise<AppendResult> {
    if (segments.length === 0 || segments.length > MAX_APPENDED_SEGMENTS) {
      throw badInput('segments', `must hold 1-${MAX_APPENDED_SEGMENTS} segments`);
    }
    const batch = checkSegments(segments, 'segments', false);
    const redactor = await new InteractionSettingsService(this.scope).redactor();
    try {
      return await oneAtATime(`${this.scope.tenantId}:${interactionId}`, () => this.scope.transaction(async (scope) => {
        // Locked: two appends to one interaction must see each other's segments to find a number split between them.
        const interaction = await scope.repo(Interaction).findByIdForUpdate(interactionId);
        if (!interaction) throw notFound('Interaction');
        const repo = scope.repo(TranscriptSegment);
        const stored = new Map(
          (await repo.find({ where: { interactionId, sequence: In(batch.map(({ segment }) => segment.sequence)) } })).map((row) => [row.sequence, row]),
        );
        const incoming: TranscriptSegmentInput[] = [];
        const duplicates: number[] = [];
        batch.forEach(({ segment, index }) => {
          const existing = stored.get(segment.sequence);
          if (!existing) {
            incoming.push(segment);
          } else if (existing.speaker === segment.speaker && sameRedactedText(existing.text, redactor.redact(segment.text).text)) {
            duplicates.push(segment.sequence);
          } else {
            throw new DomainError('CONFLICT', `segments[${index}].sequence: ${segment.sequence} already holds a different segment`, {
              field: `segments[${index}].sequence`,
            });
          }
        });
        let redactions = 0;
        const fresh: TranscriptSegment[] = [];
        if (incoming.length > 0) {
          // Matched with the stored segments around them: a number may be split across segments.
          const first = Math.min(...incoming.map((segment) => segment.sequence));
          const neighbours = await transcriptNeighbours(scope, interactionId, first, incoming.length);
          const parts: { sequence: number; text: string; row?: TranscriptSegment; segment?: TranscriptSegmentInput }[] = [
            ...neighbours.map((row) => ({ sequence: row.sequence, text: row.text, row })),
            ...incoming.map((segment) => ({ sequence: segment.sequence, text: segment.text, segment })),
          ].sort((a, b) => a.sequence - b.sequence);
          const results = redactor.redactTranscript(parts.map((part) => ({ text: part.text, stored: part.row !== undefined })));
          for (const [position, { row, segment }] of parts.entries()) {
            const result = results[position];
            redactions += result.counts.ssn + result.counts.paymentCard + result.counts.pattern;
            if (segment) fresh.push(newSegment(scope, interactionId, segment, result));
            else if (row && result.changed) await rewriteSegment(scope, row, result);
          }
          await repo.saveMany(fresh);
        }
        return { interaction, appended: fresh.map((s) => s.sequence), duplicates: duplicates.sort((a, b) => a - b), redactions };
      }));
    } catch (error) {
      // A concurrent append stored one of these sequences first: decide again against what it stored.
      if (!retried && isUniqueViolation(error)) return this.append(interactionId, segments, true);
      if (isUniqueViolation(error)) throw conflict('segments: another append stored these sequences at the same time; retry');
      throw error;
    }
  }

  async end(id: string, input: EndInteractionInput): Promise<Interaction> {
    const redactor = input.disposition == null ? null : await new InteractionSettingsService(this.scope).redactor();
    return this.scope.transaction(async (scope) => {
      const repo = scope.repo(Interaction);
      const interaction = await repo.findById(id);
      if (!interaction) throw notFound('Interaction');
      const endedAt = input.endedAt ?? new Date();
      if (endedAt < interaction.startedAt) throw badInput('endedAt', 'must not be before startedAt');
      interaction.endedAt = endedAt;
      if (input.disposition !== undefined) interaction.disposition = redactor && input.disposition ? redactDisposition(redactor, input.disposition) : null;
      return repo.save(interaction);
    });
  }
}

/**
 * Length and sequence checks naming the field at fault. Within one batch a sequence may repeat only
 * with the same segment (kept once); the initial transcript of a new interaction allows no repeat.
 */
function checkSegments(segments: TranscriptSegmentInput[], field: string, strict: boolean): { segment: TranscriptSegmentInput; index: number }[] {
  const seen = new Map<number, TranscriptSegmentInput>();
  const kept: { segment: TranscriptSegmentInput; index: number }[] = [];
  segments.forEach((segment, index) => {
    if (!Number.isInteger(segment.sequence) || segment.sequence < 1) throw badInput(`${field}[${index}].sequence`, 'must be 1 or more');
    if (segment.text.length === 0 || segment.text.length > MAX_TEXT_LENGTH) {
      throw badInput(`${field}[${index}].text`, `must be 1-${MAX_TEXT_LENGTH} characters`);
    }
    const earlier = seen.get(segment.sequence);
    if (earlier) {
      if (strict || earlier.speaker !== segment.speaker || earlier.text !== segment.text) {
        throw badInput(`${field}[${index}].sequence`, 'is repeated');
      }
      return;
    }
    seen.set(segment.sequence, segment);
    kept.push({ segment, index });
  });
  return kept;
}

function newSegment(scope: TenantScope, interactionId: string, segment: TranscriptSegmentInput, redacted: Redacted): TranscriptSegment {
  return scope.repo(TranscriptSegment).create({
    interactionId,
    sequence: segment.sequence,
    speaker: segment.speaker,
    text: redacted.text,
    occurredAt: segment.occurredAt ?? new Date(),
    ssnRedactions: redacted.counts.ssn,
    cardRedactions: redacted.counts.paymentCard,
    patternRedactions: redacted.counts.pattern,
  });
}

/** Appends in progress per interaction in this process: SQLite has no row lock to queue them. */
const appending = new Map<string, Promise<unknown>>();

async function oneAtATime<R>(key: string, work: () => Promise<R>): Promise<R> {
  const previous = appending.get(key) ?? Promise.resolve();
  const current = previous.catch(() => undefined).then(work);
  appending.set(key, current);
  try {
    return await current;
  } finally {
    if (appending.get(key) === current) appending.delete(key);
  }
}

const MAX_AGENT_ID = 200;
const MAX_QUEUE = 100;
const MAX_DISPOSITION = 100;
/** Stored segments read on each side of new ones, to find numbers split across segments. */
const NEIGHBOURS = 24;

/** Free text: redacted like a transcript, then cut to its column (a mark is longer than what it replaces). */
function redactDisposition(redactor: Redactor, disposition: string): string {
  const text = redactor.redact(disposition).text;
  if (text.length <= MAX_DISPOSITION) return text;
  const high = text.charCodeAt(MAX_DISPOSITION - 1);
  return text.slice(0, high >= 0xd800 && high <= 0xdbff ? MAX_DISPOSITION - 1 : MAX_DISPOSITION);
}

/** An initial transcript is redacted as one run in sequence order; results come back in input order. */
function redactInOrder(redactor: Redactor, segments: readonly TranscriptSegmentInput[]): Redacted[] {
  const order = segments.map((_, index) => index).sort((a, b) => segments[a].sequence - segments[b].sequence);
  const results = redactor.redactTranscript(order.map((index) => ({ text: segments[index].text, stored: false })));
  const inInputOrder: Redacted[] = new Array(segments.length);
  order.forEach((index, position) => (inInputOrder[index] = results[position]));
  return inInputOrder;
}

/**
 * Stored segments just before the first new sequence and from it on (bounded, never the whole
 * transcript): the text a number split across segments may continue in. The one place stored
 * segment text is read for ingestion.
 */
async function transcriptNeighbours(scope: TenantScope, interactionId: string, firstSequence: number, count: number): Promise<TranscriptSegment[]> {
  const repo = scope.repo(TranscriptSegment);
  const before = await repo.find({ where: { interactionId, sequence: LessThan(firstSequence) }, order: { sequence: 'DESC' }, take: NEIGHBOURS });
  const after = await repo.find({ where: { interactionId, sequence: MoreThan(firstSequence) }, order: { sequence: 'ASC' }, take: NEIGHBOURS + count });
  return [...before.reverse(), ...after];
}

/** A stored segment into which a number from a new one reached: its text redacted further, the counts added. */
async function rewriteSegment(scope: TenantScope, row: TranscriptSegment, redacted: RedactedPart): Promise<void> {
  await scope.repo(TranscriptSegment).update(
    { id: row.id, interactionId: row.interactionId },
    {
      text: redacted.text,
      ssnRedactions: row.ssnRedactions + redacted.counts.ssn,
      cardRedactions: row.cardRedactions + redacted.counts.paymentCard,
      patternRedactions: row.patternRedactions + redacted.counts.pattern,
    },
  );
}
