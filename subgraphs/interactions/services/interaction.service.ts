import { MoreThan } from 'typeorm';
import { badInput, notFound } from '../../shared/errors';
import { encodeCursor, pageRequest, type Page } from '../../shared/pagination';
import type { TenantScope } from '../../shared/tenant-repository';
import { Interaction } from '../entities/interaction.entity';
import { TranscriptSegment } from '../entities/transcript-segment.entity';
import type { RecordInteractionInput } from '../inputs/record-interaction.input';

export class InteractionService {
  constructor(private readonly scope: TenantScope) {}

  findMany(ids: readonly string[]): Promise<Interaction[]> {
    return this.scope.repo(Interaction).findByIds(ids);
  }

  async get(id: string): Promise<Interaction> {
    const interaction = await this.scope.repo(Interaction).findById(id);
    if (!interaction) throw notFound('Interaction');
    return interaction;
  }


  /** Transcript in sequence order; the cursor is the sequence number. */
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

  /** The interaction and its initial transcript are written together or not at all. */
  async record(input: RecordInteractionInput): Promise<Interaction> {
    const startedAt = input.startedAt ?? new Date();
    if (input.endedAt && input.endedAt < startedAt) throw badInput('endedAt', 'must not be before startedAt');
    const sequences = new Set<number>();
    input.transcript.forEach((segment, index) => {
      if (sequences.has(segment.sequence)) throw badInput(`transcript[${index}].sequence`, 'is repeated');
      sequences.add(segment.sequence);
    });
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
        await segments.saveMany(
          input.transcript.map((segment) =>
            segments.create({
              interactionId: interaction.id,
              sequence: segment.sequence,
              speaker: segment.speaker,
              text: segment.text,
              occurredAt: segment.occurredAt ?? new Date(),
            }),
          ),
        );
      }
      return interaction;
    });
  }
}
