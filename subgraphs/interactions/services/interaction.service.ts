import { In, LessThan, MoreThan } from 'typeorm';
import type { FieldCipher } from '../../kit/crypto/field-cipher';
import type { SubjectKeys } from '../../kit/crypto/subject-keys';
import { badInput, conflict, DomainError, forbidden, notFound } from '../../../platform/errors';
import { encodeCursor, pageRequest, type Page } from '../../kit/pagination';
import { checkIdentifier } from '../../kit/sensitive-numbers';
import { unavailable } from '../../kit/service-client';
import { assertNotErased, noEndUserCheck, type EndUserCheck } from '../../kit/end-user-guard';
import type { TenantScope } from '../../kit/tenant-repository';
import { Direction, Interaction } from '../entities/interaction.entity';
import { TranscriptSegment } from '../entities/transcript-segment.entity';
import {
  MAX_APPENDED_SEGMENTS,
  MAX_TEXT_LENGTH,
  type EndInteractionInput,
  type RecordInteractionInput,
  type TranscriptSegmentInput,
} from '../inputs/record-interaction.input';
import type { ActivityPublisher } from './activity-publisher';
import type { ContactGate } from './contact-gate';
import type { InteractionSettingsService } from './interaction-settings.service';
import { sameRedactedText, type Redacted, type RedactedPart, type Redactor } from './redaction';
import { keySubjectOf, openSegments, sealSegment } from './transcript-cipher';
import { isUniqueViolation } from './unique-violation';
import { checkEventTime } from '../../kit/date-time.scalar';

export interface AppendResult {
  interaction: Interaction;
  /** Sequences stored by this call. */
  appended: number[];
  /** Sequences already stored with the same speaker and text: ignored. */
  duplicates: number[];
  redactions: number;
}

export interface TranscriptRequest {
  first: number;
  afterSequence?: number;
}

/** A transcript page's size and, from the cursor, the sequence it starts after. */
export function transcriptRequest(first?: number | null, after?: string | null): TranscriptRequest {
  const request = pageRequest(first, after);
  if (request.afterId === undefined) return { first: request.first };
  const afterSequence = Number(request.afterId);
  if (!Number.isInteger(afterSequence)) throw badInput('after', 'is not a valid cursor');
  return { first: request.first, afterSequence };
}

export class InteractionService {
  constructor(
    private readonly scope: TenantScope,
    /** Per-person keys: transcript text is stored under the end-user's key (see transcript-cipher.ts). */
    private readonly keys: SubjectKeys,
    /** The tenant's settings: redaction patterns for transcripts and dispositions. */
    private readonly settings: InteractionSettingsService,
    /** Told of each committed change, for the gateways' subscribers. */
    private readonly live: ActivityPublisher,
    /** Asked before an outbound interaction; without one, outbound contact is refused as unavailable. */
    private readonly gate?: ContactGate,
    /** Whether the end-user named may be written about (or seen); identity decides. */
    private readonly endUsers: EndUserCheck = noEndUserCheck,
  ) {}

  /** Interactions of a restricted person are not there for a caller who may not see that person. */
  async findMany(ids: readonly string[]): Promise<Interaction[]> {
    const rows = await this.scope.repo(Interaction).findByIds(ids);
    const visible = await Promise.all(rows.map((row) => (row.endUserId ? this.endUsers.visible(row.endUserId) : true)));
    return rows.filter((_, index) => visible[index]);
  }

  async get(id: string): Promise<Interaction> {
    const [interaction] = await this.findMany([id]);
    if (!interaction) throw notFound('Interaction');
    return interaction;
  }

  /** An interaction to write to: it exists, and its end-user (if any) may be written about. */
  private async writable(id: string): Promise<Interaction> {
    const interaction = await this.scope.repo(Interaction).findById(id);
    if (!interaction) throw notFound('Interaction');
    // Refused as the interaction itself, so the answer tells nothing about the person.
    if (interaction.endUserId) await this.endUsers.writable([interaction.endUserId]).catch(hideEndUser);
    return interaction;
  }


  /** Transcript in sequence order, whatever order it arrived in; the cursor is the sequence number. */
  async transcript(interaction: Interaction, first?: number | null, after?: string | null): Promise<Page<TranscriptSegment>> {
    return (await this.transcripts([interaction], transcriptRequest(first, after)))[0];
  }

  /** The same page of the transcript of each interaction, for all of them in one statement. */
  async transcripts(interactions: readonly Interaction[], request: TranscriptRequest): Promise<Page<TranscriptSegment>[]> {
    const rows = await this.scope.repo(TranscriptSegment).firstPerParent('interactionId', interactions.map((interaction) => interaction.id), {
      orderBy: 'sequence',
      after: request.afterSequence,
      limit: request.first + 1,
    });
    return Promise.all(
      interactions.map(async (interaction) => {
        const found = rows.get(interaction.id) ?? [];
        const nodes = await openSegments(this.keys, keySubjectOf(interaction), found.slice(0, request.first));
        const edges = nodes.map((node) => ({ cursor: encodeCursor(String(node.sequence)), node }));
        return { edges, pageInfo: { hasNextPage: found.length > request.first, endCursor: edges.at(-1)?.cursor ?? null } };
      }),
    );
  }

  /**
   * The interaction and its initial transcript (redacted) are written together or not at all. An
   * outbound contact is first cleared with consent; a refusal or no answer records nothing.
   */
  async record(input: RecordInteractionInput): Promise<Interaction> {
    const interaction = await this.store(input);
    // After the commit: subscribers resolve these ids as themselves (see gateway/subscriptions).
    await this.live.activity(interaction.id, 'STARTED');
    if (interaction.endedAt) await this.live.activity(interaction.id, 'ENDED');
    await this.live.segmentsAppended(interaction.id, input.transcript.map((segment) => segment.sequence));
    return interaction;
  }

  private async store(input: RecordInteractionInput): Promise<Interaction> {
    const startedAt = input.startedAt ?? new Date();
    checkEventTime('startedAt', startedAt);
    checkEventTime('endedAt', input.endedAt);
    if (input.endedAt && input.endedAt < startedAt) throw badInput('endedAt', 'must not be before startedAt');
    checkSegments(input.transcript, 'transcript', true);
    const agentId = input.agentId == null ? null : checkIdentifier('agentId', input.agentId, MAX_AGENT_ID);
    const queue = input.queue == null ? null : checkIdentifier('queue', input.queue, MAX_QUEUE);
    if (input.direction === Direction.OUTBOUND && !input.endUserId) throw badInput('endUserId', 'is required for an outbound interaction');
    if (input.endUserId) await this.endUsers.writable([input.endUserId]);
    if (input.direction === Direction.OUTBOUND) await this.clearOutbound(input);
    const redactor = await this.settings.redactor();
    const redacted = redactInOrder(redactor, input.transcript);
    const disposition = input.disposition == null ? null : redactDisposition(redactor, input.disposition);
    return this.scope.transaction(async (scope) => {
      await assertNotErased(scope, [input.endUserId]);
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
        const cipher = await this.keys.cipherForWrite(keySubjectOf(interaction));
        await segments.saveMany(input.transcript.map((segment, index) => newSegment(scope, cipher, interaction.id, segment, redacted[index])));
      }
      return interaction;
    });
  }

  private async clearOutbound(input: RecordInteractionInput): Promise<void> {
    if (!input.endUserId) throw badInput('endUserId', 'is required for an outbound interaction');
    if (!this.gate) throw unavailable('consent');
    const decision = await this.gate.decide(input.endUserId, input.channel);
    if (decision.allowed) return;
    // Told only to those who may see restricted persons; to anyone else the person is not there.
    if (decision.reason === 'RESTRICTED' && !this.endUsers.seesRestricted) throw notFound('End-user');
    if (decision.reason === 'RESTRICTED') throw forbidden('Outbound contact refused: processing of this end-user’s data is restricted');
    if (decision.reason === 'OPTED_OUT') throw forbidden(`Outbound contact refused: the end-user opted out of ${input.channel} contact`);
    throw forbidden('Outbound contact refused');
  }

  /**
   * Live ingestion: appends segments as they arrive, in one transaction. Idempotent per sequence: a
   * repeat with the same speaker and (redacted) text is reported as a duplicate and ignored; a
   * different segment at a stored sequence is a CONFLICT and stores nothing of the batch. What it
   * stored is announced once, after the commit.
   */
  async append(interactionId: string, segments: TranscriptSegmentInput[]): Promise<AppendResult> {
    const result = await this.appendOnce(interactionId, segments);
    await this.live.segmentsAppended(interactionId, result.appended);
    return result;
  }

  private async appendOnce(interactionId: string, segments: TranscriptSegmentInput[], retried = false): Promise<AppendResult> {
    if (segments.length === 0 || segments.length > MAX_APPENDED_SEGMENTS) {
      throw badInput('segments', `must hold 1-${MAX_APPENDED_SEGMENTS} segments`);
    }
    const batch = checkSegments(segments, 'segments', false);
    const target = await this.writable(interactionId);
    const redactor = await this.settings.redactor();
    try {
      return await this.scope.transaction(async (scope) => {
        await assertNotErased(scope, [target.endUserId]).catch(hideEndUser);
        // Locked for writing: two appends to one interaction take turns (on SQLite, transactions take
        // turns anyway), so each sees the other's segments and a number split between them is found.
        const [interaction] = await scope.repo(Interaction).findLocked({ id: interactionId });
        if (!interaction) throw notFound('Interaction');
        const repo = scope.repo(TranscriptSegment);
        const cipher = await this.keys.cipherForWrite(keySubjectOf(interaction));
        const found = await repo.find({ where: { interactionId, sequence: In(batch.map(({ segment }) => segment.sequence)) } });
        const stored = new Map((await openSegments(this.keys, keySubjectOf(interaction), found)).map((row) => [row.sequence, row]));
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
          const neighbours = await openSegments(this.keys, keySubjectOf(interaction), await transcriptNeighbours(scope, interactionId, first, incoming.length));
          const parts: { sequence: number; text: string; row?: TranscriptSegment; segment?: TranscriptSegmentInput }[] = [
            ...neighbours.map((row) => ({ sequence: row.sequence, text: row.text, row })),
            ...incoming.map((segment) => ({ sequence: segment.sequence, text: segment.text, segment })),
          ].sort((a, b) => a.sequence - b.sequence);
          const results = redactor.redactTranscript(parts.map((part) => ({ text: part.text, stored: part.row !== undefined })));
          for (const [position, { row, segment }] of parts.entries()) {
            const result = results[position];
            redactions += result.counts.ssn + result.counts.paymentCard + result.counts.pattern;
            if (segment) fresh.push(newSegment(scope, cipher, interactionId, segment, result));
            else if (row && result.changed) await rewriteSegment(scope, cipher, row, result);
          }
          await repo.saveMany(fresh);
        }
        return { interaction, appended: fresh.map((s) => s.sequence), duplicates: duplicates.sort((a, b) => a - b), redactions };
      });
    } catch (error) {
      // A concurrent append stored one of these sequences first: decide again against what it stored.
      if (!retried && isUniqueViolation(error)) return this.appendOnce(interactionId, segments, true);
      if (isUniqueViolation(error)) throw conflict('segments: another append stored these sequences at the same time; retry');
      throw error;
    }
  }

  /** Changes the row in place (`UPDATE … WHERE`), so an interaction erased meanwhile stays gone. */
  async end(id: string, input: EndInteractionInput): Promise<Interaction> {
    const interaction = await this.markEnded(id, input);
    await this.live.activity(id, 'ENDED');
    return interaction;
  }

  private async markEnded(id: string, input: EndInteractionInput): Promise<Interaction> {
    const target = await this.writable(id);
    const redactor = input.disposition == null ? null : await this.settings.redactor();
    return this.scope.transaction(async (scope) => {
      await assertNotErased(scope, [target.endUserId]).catch(hideEndUser);
      const repo = scope.repo(Interaction);
      const [interaction] = await repo.findLocked({ id });
      if (!interaction) throw notFound('Interaction');
      const endedAt = input.endedAt ?? new Date();
      checkEventTime('endedAt', endedAt);
      if (endedAt < interaction.startedAt) throw badInput('endedAt', 'must not be before startedAt');
      interaction.endedAt = endedAt;
      if (input.disposition !== undefined) interaction.disposition = redactor && input.disposition ? redactDisposition(redactor, input.disposition) : null;
      interaction.derive();
      if ((await repo.update({ id }, { endedAt: interaction.endedAt, disposition: interaction.disposition, handleSeconds: interaction.handleSeconds })) === 0) {
        throw notFound('Interaction');
      }
      return (await repo.findById(id)) ?? interaction;
    });
  }

  /** Moves an open interaction to another queue, in place (`UPDATE … WHERE`); an ended one is a CONFLICT. */
  async transfer(id: string, queue: string): Promise<Interaction> {
    const interaction = await this.requeue(id, queue);
    await this.live.activity(id, 'TRANSFERRED');
    return interaction;
  }

  private async requeue(id: string, queue: string): Promise<Interaction> {
    const target = queue.trim();
    if (target.length === 0 || target.length > 100) throw badInput('queue', 'must be 1-100 characters');
    await this.writable(id);
    return this.scope.transaction(async (scope) => {
      const repo = scope.repo(Interaction);
      const [interaction] = await repo.findLocked({ id });
      if (!interaction) throw notFound('Interaction');
      if (interaction.endedAt) throw conflict('Interaction has ended; it cannot be transferred');
      if ((await repo.update({ id }, { queue: target })) === 0) throw notFound('Interaction');
      return (await repo.findById(id)) ?? Object.assign(interaction, { queue: target });
    });
  }
}

/** A refusal about the person behind an interaction reads as the interaction not being there. */
function hideEndUser(error: unknown): never {
  if (error instanceof DomainError && error.code === 'NOT_FOUND') throw notFound('Interaction');
  throw error;
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
    checkEventTime(`${field}[${index}].occurredAt`, segment.occurredAt);
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

function newSegment(scope: TenantScope, cipher: FieldCipher, interactionId: string, segment: TranscriptSegmentInput, redacted: Redacted): TranscriptSegment {
  const row = scope.repo(TranscriptSegment).create({
    interactionId,
    sequence: segment.sequence,
    speaker: segment.speaker,
    occurredAt: segment.occurredAt ?? new Date(),
    ssnRedactions: redacted.counts.ssn,
    cardRedactions: redacted.counts.paymentCard,
    patternRedactions: redacted.counts.pattern,
  });
  return sealSegment(cipher, row, redacted.text);
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
 * segment text is read for ingestion (still encrypted: open with openSegments).
 */
async function transcriptNeighbours(scope: TenantScope, interactionId: string, firstSequence: number, count: number): Promise<TranscriptSegment[]> {
  const repo = scope.repo(TranscriptSegment);
  const before = await repo.find({ where: { interactionId, sequence: LessThan(firstSequence) }, order: { sequence: 'DESC' }, take: NEIGHBOURS });
  const after = await repo.find({ where: { interactionId, sequence: MoreThan(firstSequence) }, order: { sequence: 'ASC' }, take: NEIGHBOURS + count });
  return [...before.reverse(), ...after];
}

/** A stored segment into which a number from a new one reached: its text redacted further, the counts added. */
async function rewriteSegment(scope: TenantScope, cipher: FieldCipher, row: TranscriptSegment, redacted: RedactedPart): Promise<void> {
  // Sealed again under the interaction's key: the rewritten text is stored encrypted like any other.
  const sealed = sealSegment(cipher, row, redacted.text);
  await scope.repo(TranscriptSegment).update(
    { id: row.id, interactionId: row.interactionId },
    {
      textEncrypted: sealed.textEncrypted,
      legacyText: null,
      ssnRedactions: row.ssnRedactions + redacted.counts.ssn,
      cardRedactions: row.cardRedactions + redacted.counts.paymentCard,
      patternRedactions: row.patternRedactions + redacted.counts.pattern,
    },
  );
}
