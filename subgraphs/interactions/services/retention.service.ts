import { In, type DataSource } from 'typeorm';
import type { Keyring } from '../../kit/crypto/keyring';
import { TenantScope } from '../../kit/tenant-repository';
import { Interaction } from '../entities/interaction.entity';
import { TranscriptSegment } from '../entities/transcript-segment.entity';
import { InteractionSettingsService } from './interaction-settings.service';
import { AcrossTenants } from '../../kit/platform-tables';

const BATCH = 500;

export interface PurgeResult {
  tenantId: string;
  retentionDays: number;
  cutoff: Date;
  segments: number;
}

/**
 * Deletes transcript segments past each tenant's retention period, counted from the end of their
 * interaction (its start when it never ended). Interactions themselves stay for reporting.
 */
export class RetentionService {
  constructor(
    private readonly dataSource: DataSource,
    /** With it, an anonymous interaction's own key goes with its transcript (crypto-shredding). */
    private readonly keyring?: Keyring,
  ) {}

  async purgeAll(now = new Date()): Promise<PurgeResult[]> {
    // A platform job spans tenants by design; each tenant's deletion below goes through its own scope.
    const tenants = await AcrossTenants.of(this.dataSource).tenantsOf(Interaction);
    const results: PurgeResult[] = [];
    for (const tenantId of tenants) results.push(await this.purgeTenant(TenantScope.of(this.dataSource, tenantId), now));
    return results;
  }

  async purgeTenant(scope: TenantScope, now = new Date()): Promise<PurgeResult> {
    const { transcriptRetentionDays } = await new InteractionSettingsService(scope).get();
    const cutoff = new Date(now.getTime() - transcriptRetentionDays * 86_400_000);
    let segments = 0;
    const anonymous = new Set<string>();
    for (;;) {
      const expired = await scope
        .repo(TranscriptSegment)
        // Scoped by the tenant repository's builder; the join repeats the tenant so it stays inside it.
        .queryBuilder('s')
        .innerJoin(Interaction, 'i', 'i.id = s.interactionId AND i.tenantId = s.tenantId')
        .andWhere('(i.endedAt < :cutoff OR (i.endedAt IS NULL AND i.startedAt < :cutoff))', { cutoff: this.dateParameter(cutoff) })
        .select('s.id', 'id')
        .addSelect('i.id', 'interactionId')
        .addSelect('i.endUserId', 'endUserId')
        .limit(BATCH)
        .getRawMany<{ id: string; interactionId: string; endUserId: string | null }>();
      if (expired.length === 0) break;
      segments += await scope.repo(TranscriptSegment).delete({ id: In(expired.map((row) => row.id)) });
      for (const row of expired) if (!row.endUserId) anonymous.add(row.interactionId);
    }
    // A person's key stays (it covers their newer data) until their erasure; copies of purged
    // transcripts of a known end-user stay readable with it until then.
    if (this.keyring && anonymous.size > 0) await this.keyring.subjects(scope.tenantId).destroy([...anonymous]);
    return { tenantId: scope.tenantId, retentionDays: transcriptRetentionDays, cutoff, segments };
  }

  /** A raw comparison needs the value as the driver stores the column (SQLite keeps UTC text). */
  private dateParameter(date: Date): Date | string {
    return this.dataSource.options.type === 'better-sqlite3' ? date.toISOString().replace('T', ' ').replace('Z', '') : date;
  }
}
