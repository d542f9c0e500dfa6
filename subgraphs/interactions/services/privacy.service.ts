import { In } from 'typeorm';
import type { SubjectKeys } from '../../kit/crypto/subject-keys';
import type { TenantScope } from '../../kit/tenant-repository';
import { recordErasure } from '../../kit/end-user-guard';
import { conflict } from '../../../platform/errors';
import { Interaction } from '../entities/interaction.entity';
import { TranscriptSegment } from '../entities/transcript-segment.entity';
import { keySubjectOf, openSegments } from './transcript-cipher';

const CHUNK = 500;

function chunks<T>(items: T[]): T[][] {
  return Array.from({ length: Math.ceil(items.length / CHUNK) }, (_, n) => items.slice(n * CHUNK, (n + 1) * CHUNK));
}

/** Everything this subgraph holds about one end-user of the tenant: for access and erasure requests. */
export class InteractionPrivacyService {
  constructor(
    private readonly scope: TenantScope,
    private readonly keys: SubjectKeys,
    /** Run once an erasure committed and its keys are gone: the erased rows leave the database files too. */
    private readonly afterErasure: () => Promise<void>,
  ) {}

  async export(endUserId: string): Promise<string> {
    const interactions = await this.scope.repo(Interaction).find({ where: { endUserId }, order: { id: 'ASC' } });
    const segments: TranscriptSegment[] = [];
    for (const ids of chunks(interactions.map((i) => i.id))) {
      segments.push(...(await this.scope.repo(TranscriptSegment).find({ where: { interactionId: In(ids) }, order: { sequence: 'ASC' } })));
    }
    const subjects = new Map(interactions.map((i) => [i.id, keySubjectOf(i)]));
    for (const segment of segments) await openSegments(this.keys, subjects.get(segment.interactionId)!, [segment]);
    const byInteraction = new Map<string, TranscriptSegment[]>();
    for (const segment of segments) {
      const list = byInteraction.get(segment.interactionId) ?? [];
      list.push(segment);
      byInteraction.set(segment.interactionId, list);
    }
    return JSON.stringify({
      subgraph: 'interactions',
      endUserId,
      interactions: interactions.map((i) => ({
        id: i.id,
        channel: i.channel,
        direction: i.direction,
        startedAt: i.startedAt,
        endedAt: i.endedAt,
        handleSeconds: i.handleSeconds,
        agentId: i.agentId,
        queue: i.queue,
        disposition: i.disposition,
        createdAt: i.createdAt,
        transcript: (byInteraction.get(i.id) ?? []).map((s) => ({
          sequence: s.sequence,
          speaker: s.speaker,
          text: s.text,
          occurredAt: s.occurredAt,
          redactions: { ssn: s.ssnRedactions, paymentCard: s.cardRedactions, pattern: s.patternRedactions },
        })),
      })),
    });
  }

  /**
   * Deletes the end-user's interactions and their transcripts in one transaction, after the
   * tombstone that refuses every later write about them, then destroys their key so copies taken
   * before (backups, replicas) cannot be read; returns rows removed.
   */
  async erase(endUserId: string): Promise<number> {
    const removed = await this.scope.transaction(async (scope) => {
      await recordErasure(scope, endUserId);
      const interactions = await scope.repo(Interaction).findLocked({ endUserId });
      let removed = 0;
      for (const ids of chunks(interactions.map((i) => i.id))) {
        removed += await scope.repo(TranscriptSegment).delete({ interactionId: In(ids) });
      }
      removed += await scope.repo(Interaction).delete({ endUserId });
      if ((await scope.repo(Interaction).findLocked({ endUserId })).length > 0) throw conflict('Interactions of the end-user remain; retry the erasure');
      return removed;
    });
    await this.keys.destroy([endUserId]);
    await this.afterErasure();
    return removed;
  }
}
