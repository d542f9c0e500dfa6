import { In, IsNull, MoreThan, Not, type DataSource } from 'typeorm';
import type { Keyring } from '../../kit/crypto/keyring';
import { AcrossTenants } from '../../kit/platform-tables';
import { Interaction } from '../entities/interaction.entity';
import { TranscriptSegment } from '../entities/transcript-segment.entity';
import { keySubjectOf, sealSegment } from './transcript-cipher';

const BATCH = 500;

/**
 * Moves transcript text stored in clear before per-person keys under the end-user's key (or the
 * interaction's own), so erasure shreds it too. Idempotent; returns the segments rewritten.
 */
export async function backfillTranscriptKeys(dataSource: DataSource, keyring: Keyring): Promise<number> {
  let rewritten = 0;
  let after = '';
  const across = AcrossTenants.of(dataSource);
  for (;;) {
    // A platform task over every tenant; each segment is rewritten under its own tenant's keys.
    const segments = await across.find(TranscriptSegment, {
      where: { id: MoreThan(after), textEncrypted: IsNull(), legacyText: Not(IsNull()) },
      order: { id: 'ASC' },
      take: BATCH,
    });
    if (segments.length === 0) return rewritten;
    after = segments.at(-1)!.id;
    const interactions = new Map(
      (await across.find(Interaction, { where: { id: In([...new Set(segments.map((s) => s.interactionId))]) } })).map((i) => [i.id, i]),
    );
    for (const segment of segments) {
      const interaction = interactions.get(segment.interactionId);
      if (!interaction || interaction.tenantId !== segment.tenantId) continue;
      const cipher = await keyring.subjects(segment.tenantId).cipherForWrite(keySubjectOf(interaction));
      sealSegment(cipher, segment, segment.legacyText!);
      // UPDATE, never save(): a segment erased meanwhile stays erased.
      rewritten += await across.scope(segment.tenantId).repo(TranscriptSegment).update({ id: segment.id }, { textEncrypted: segment.textEncrypted, legacyText: null });
    }
  }
}
