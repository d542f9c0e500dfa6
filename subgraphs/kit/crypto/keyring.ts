import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { Not, type DataSource } from 'typeorm';
import { LocalAccessEvents, type TenantVersions } from '../../../platform/access-events';
import { TenantScope } from '../tenant-repository';
import { FieldCipher } from './field-cipher';
import type { MasterKeyProvider } from './master-keys';
import { SubjectKeys, type CachedSubjectKey } from './subject-keys';
import { DataKeyPurpose, TenantDataKey } from './tenant-data-key.entity';
import { AcrossTenants } from '../platform-tables';

/**
 * How long an unwrapped person's key is reused in memory at most. Erasure drops it at once in this
 * process, and in every other through the tenant's key version (TenantVersions): the bound is a backstop.
 */
export const SUBJECT_KEY_CACHE_TTL_MS = 30_000;

/**
 * Hands out each tenant's field cipher: data keys are created on first use, stored wrapped, and
 * kept unwrapped only in memory. With a key store it also hands out per-person keys (SubjectKeys).
 */
export class Keyring {
  private readonly ciphers = new Map<string, Promise<FieldCipher>>();
  private readonly secrets = new Map<string, Promise<Buffer>>();
  /** Unwrapped per-person ciphers by `tenantId/subjectId`, shared by every request of the process. */
  readonly subjectCache = new LRUCache<string, CachedSubjectKey>({ max: 20_000, ttl: SUBJECT_KEY_CACHE_TTL_MS });
  /** Bumped by every key destruction, so a read that raced one does not put the key back in the cache. */
  shredEpoch = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly masterKeys: MasterKeyProvider,
    /** Where per-person keys live: a database apart from `dataSource`, so copies of the data hold none. */
    readonly keyStore?: DataSource,
    /**
     * The tenants' key versions, shared with every other process caching these keys (Redis when
     * scaled out); without one, this process's own.
     */
    readonly versions: TenantVersions = new LocalAccessEvents(),
  ) {}

  /** Per-person keys of one tenant; one instance per request batches its key-store reads. */
  subjects(tenantId: string): SubjectKeys {
    if (!this.keyStore) throw new Error('this subgraph has no key store');
    return new SubjectKeys(this, this.keyStore, tenantId);
  }

  cipherFor(tenantId: string): Promise<FieldCipher> {
    let cipher = this.ciphers.get(tenantId);
    if (!cipher) {
      cipher = this.load(tenantId);
      this.ciphers.set(tenantId, cipher);
      cipher.catch(() => this.ciphers.delete(tenantId));
    }
    return cipher;
  }

  /** A tenant's secret for one purpose other than field encryption (e.g. metrics noise), created on first use. */
  secretFor(tenantId: string, purpose: DataKeyPurpose): Promise<Buffer> {
    const id = `${purpose}\u0000${tenantId}`;
    let secret = this.secrets.get(id);
    if (!secret) {
      secret = this.key(tenantId, purpose);
      this.secrets.set(id, secret);
      secret.catch(() => this.secrets.delete(id));
    }
    return secret;
  }

  private async load(tenantId: string): Promise<FieldCipher> {
    const [data, index] = await Promise.all([this.key(tenantId, DataKeyPurpose.DATA), this.key(tenantId, DataKeyPurpose.INDEX)]);
    return new FieldCipher(data, index);
  }

  private async key(tenantId: string, purpose: DataKeyPurpose): Promise<Buffer> {
    const keys = TenantScope.of(this.dataSource, tenantId).repo(TenantDataKey);
    let row = await keys.findOne({ purpose });
    if (!row) {
      const { keyId, wrapped } = await this.masterKeys.wrap(randomBytes(32));
      try {
        row = await keys.save(keys.create({ purpose, masterKeyId: keyId, wrappedKey: wrapped }));
      } catch (error) {
        // Another process created it first (unique per tenant and purpose): use theirs.
        row = await keys.findOne({ purpose });
        if (!row) throw error;
      }
    }
    return this.masterKeys.unwrap(row.masterKeyId, row.wrappedKey);
  }

  /** Rewraps every data key not under the current master key; rows of data are not touched. */
  async rotate(): Promise<number> {
    // Across tenants on purpose: rotation is a platform task over the key table alone.
    const keys = AcrossTenants.of(this.dataSource);
    const stale = await keys.find(TenantDataKey, { where: { masterKeyId: Not(this.masterKeys.currentKeyId) } });
    for (const row of stale) {
      const { keyId, wrapped } = await this.masterKeys.wrap(await this.masterKeys.unwrap(row.masterKeyId, row.wrappedKey));
      await keys.scope(row.tenantId).repo(TenantDataKey).update({ id: row.id }, { masterKeyId: keyId, wrappedKey: wrapped });
    }
    this.ciphers.clear();
    this.secrets.clear();
    return stale.length;
  }
}
