import type { FieldCipher } from '../../kit/crypto/field-cipher';
import type { SubjectKeys } from '../../kit/crypto/subject-keys';
import type { Interaction } from '../entities/interaction.entity';
import type { TranscriptSegment } from '../entities/transcript-segment.entity';

/** What a segment reads as once its key was destroyed (the rows go with it; this covers a race). */
export const ERASED_TEXT = '[TEXT ERASED]';

/**
 * Whose key a transcript is under: the end-user's, so erasing them shreds every copy; an interaction
 * with no known end-user has a key of its own, destroyed when it is purged.
 */
export const keySubjectOf = (interaction: Pick<Interaction, 'id' | 'endUserId'>): string => interaction.endUserId ?? interaction.id;

/** Associated data: the ciphertext is only valid in this tenant, interaction and position. */
const context = (segment: TranscriptSegment) => `transcript_segments/${segment.tenantId}/${segment.interactionId}/${segment.sequence}`;

export function sealSegment(cipher: FieldCipher, segment: TranscriptSegment, text: string): TranscriptSegment {
  segment.textEncrypted = cipher.encrypt(text, context(segment));
  segment.legacyText = null;
  segment.text = text;
  return segment;
}

/** Fills `text` of segments of one key subject: one key lookup for all of them. */
export async function openSegments(keys: SubjectKeys, subjectId: string, segments: TranscriptSegment[]): Promise<TranscriptSegment[]> {
  for (const segment of segments) {
    if (!segment.textEncrypted) {
      segment.text = segment.legacyText ?? '';
      continue;
    }
    const cipher = await keys.cipherOf(subjectId, segment.textEncrypted);
    segment.text = cipher ? cipher.decrypt(segment.textEncrypted, context(segment)) : ERASED_TEXT;
  }
  return segments;
}
