import { In, MoreThan } from 'typeorm';
import { badInput, conflict, DomainError, forbidden, notFound } from '../../shared/errors';
import { encodeCursor, pageRequest, type Page } from '../../shared/pagination';
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
import type { Redacted } from './redaction';
import { isUniqueViolation } from './unique-violation';
import { checkEventTime } from '../../shared/date-time.scalar';

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
    checkEventTime('startedAt', startedAt);
    checkEventTime('endedAt', input.endedAt);
    if (input.endedAt && input.endedAt < startedAt) throw badInput('endedAt', 'must not be before startedAt');
    checkSegments(input.transcript, 'transcript', true);
    if (input.direction === Direction.OUTBOUND) await this.clearOutbound(input);
    const redacted = (await new InteractionSettingsService(this.scope).redactor()).redactAll(input.transcript.map((s) => s.text));
    return this.scope.transaction(async (scope) => {
      const interactions = scope.repo(Interaction);
      const interaction = await interactions.save(
        interactions.create({
          endUserId: input.endUserId ?? null,
          channel: input.channel,
          direction: input.direction,
          startedAt,
          endedAt: input.endedAt ?? null,
          agentId: input.agentId ?? null,
          queue: input.queue ?? null,
          disposition: input.disposition ?? null,
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
    const redacted = (await new InteractionSettingsService(this.scope).redactor()).redactAll(batch.map(({ segment }) => segment.text));
    try {
      return await this.scope.transaction(async (scope) => {
        const interaction = await scope.repo(Interaction).findById(interactionId);
        if (!interaction) throw notFound('Interaction');
        const repo = scope.repo(TranscriptSegment);
        const stored = new Map(
          (await repo.find({ where: { interactionId, sequence: In(batch.map(({ segment }) => segment.sequence)) } })).map((row) => [row.sequence, row]),
        );
        const fresh: TranscriptSegment[] = [];
        const duplicates: number[] = [];
        batch.forEach(({ segment, index }, position) => {
          const existing = stored.get(segment.sequence);
          if (!existing) {
            fresh.push(newSegment(scope, interactionId, segment, redacted[position]));
          } else if (existing.speaker === segment.speaker && existing.text === redacted[position].text) {
            duplicates.push(segment.sequence);
          } else {
            throw new DomainError('CONFLICT', `segments[${index}].sequence: ${segment.sequence} already holds a different segment`, {
              field: `segments[${index}].sequence`,
            });
          }
        });
        if (fresh.length > 0) await repo.saveMany(fresh);
        const redactions = fresh.reduce((sum, s) => sum + s.ssnRedactions + s.cardRedactions + s.patternRedactions, 0);
        return { interaction, appended: fresh.map((s) => s.sequence), duplicates: duplicates.sort((a, b) => a - b), redactions };
      });
    } catch (error) {
      // A concurrent append stored one of these sequences first: decide again against what it stored.
      if (!retried && isUniqueViolation(error)) return this.append(interactionId, segments, true);
      if (isUniqueViolation(error)) throw conflict('segments: another append stored these sequences at the same time; retry');
      throw error;
    }
  }

  async end(id: string, input: EndInteractionInput): Promise<Interaction> {
    return this.scope.transaction(async (scope) => {
      const repo = scope.repo(Interaction);
      const interaction = await repo.findById(id);
      if (!interaction) throw notFound('Interaction');
      const endedAt = input.endedAt ?? new Date();
      checkEventTime('endedAt', endedAt);
      if (endedAt < interaction.startedAt) throw badInput('endedAt', 'must not be before startedAt');
      interaction.endedAt = endedAt;
      if (input.disposition !== undefined) interaction.disposition = input.disposition ?? null;
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
