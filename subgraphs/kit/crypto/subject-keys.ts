import { randomBytes } from 'node:crypto';
import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import { TenantScope } from '../tenant-repository';
import { ciphertextVersion, FieldCipher, SUBJECT_KEY_VERSION, TENANT_KEY_VERSION } from './field-cipher';
import type { LRUCache } from 'lru-cache';
import { SubjectKey } from './subject-key.entity';

const CHUNK = 500;
/** Associated data of a wrapped key: it unwraps only for this tenant and subject. */
const wrapContext = (tenantId: string, subjectId: string) => `subject_keys/${tenantId}/${subjectId}`;

/**
 * One tenant's per-person data keys (crypto-shredding). Each person gets a random AES-256 key on
 * first write, stored in the key store wrapped by the tenant's data key; destroying it leaves every
 * copy of their ciphertexts unreadable, master keys or not. Reads are batched per request (one
 * key-store query for a page of people) and cached briefly across requests.
 */
/** What subject keys need of the keyring that makes them (kept apart so the two files do not import each other). */
export interface SubjectKeyring {
  readonly subjectCache: LRUCache<string, FieldCipher>;
  shredEpoch: number;
  cipherFor(tenantId: string): Promise<FieldCipher>;
}

export class SubjectKeys {
  private readonly loader: DataLoader<string, FieldCipher | null>;

  constructor(
    private readonly keyring: SubjectKeyring,
    private readonly keyStore: DataSource,
    readonly tenantId: string,
  ) {
    this.loader = new DataLoader((ids) => this.load(ids), { maxBatchSize: CHUNK });
  }

  private get repo() {
    return TenantScope.of(this.keyStore, this.tenantId).repo(SubjectKey);
  }

  private cacheKey(subjectId: string): string {
    return `${this.tenantId}/${subjectId}`;
  }

  private async load(ids: readonly string[]): Promise<(FieldCipher | null)[]> {
    const cache = this.keyring.subjectCache;
    const found = new Map<string, FieldCipher>();
    const missing: string[] = [];
    for (const id of ids) {
      const cached = cache.get(this.cacheKey(id));
      if (cached) found.set(id, cached);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const epoch = this.keyring.shredEpoch;
      for (const row of await this.repo.find({ where: { subjectId: In(missing) } })) {
        const cipher = await this.subjectCipher(row);
        found.set(row.subjectId, cipher);
        // A destruction meanwhile may have been of this key: this request may finish with it, no later one.
        if (this.keyring.shredEpoch === epoch) cache.set(this.cacheKey(row.subjectId), cipher);
      }
    }
    return ids.map((id) => found.get(id) ?? null);
  }

  private async subjectCipher(row: SubjectKey): Promise<FieldCipher> {
    const tenant = await this.keyring.cipherFor(this.tenantId);
    const key = Buffer.from(tenant.decrypt(row.wrappedKey, wrapContext(this.tenantId, row.subjectId)), 'base64url');
    return new FieldCipher(key, tenant.indexKey, SUBJECT_KEY_VERSION);
  }

  /** The subject's cipher, or null when it never had one or it was destroyed. */
  cipher(subjectId: string): Promise<FieldCipher | null> {
    return this.loader.load(subjectId);
  }

  /** The subject's cipher, created (and stored wrapped) on first write. */
  async cipherForWrite(subjectId: string): Promise<FieldCipher> {
    const existing = await this.cipher(subjectId);
    if (existing) return existing;
    const tenant = await this.keyring.cipherFor(this.tenantId);
    const wrappedKey = tenant.encrypt(randomBytes(32).toString('base64url'), wrapContext(this.tenantId, subjectId));
    let row: SubjectKey | null;
    try {
      row = await this.repo.save(this.repo.create({ subjectId, wrappedKey }));
    } catch (error) {
      // Another request created it first (unique per tenant and subject): use theirs.
      row = await this.repo.findOne({ subjectId });
      if (!row) throw error;
    }
    const cipher = await this.subjectCipher(row);
    this.keyring.subjectCache.set(this.cacheKey(subjectId), cipher);
    this.loader.clear(subjectId).prime(subjectId, cipher);
    return cipher;
  }

  async encrypt(subjectId: string, plaintext: string, context: string): Promise<string> {
    return (await this.cipherForWrite(subjectId)).encrypt(plaintext, context);
  }

  /**
   * Decrypts a value under the subject's key, or under the tenant's key when it predates per-person
   * keys (`v1`); null when the subject's key is gone (erased).
   */
  async decrypt(subjectId: string, ciphertext: string, context: string): Promise<string | null> {
    const cipher = await this.cipherOf(subjectId, ciphertext);
    return cipher ? cipher.decrypt(ciphertext, context) : null;
  }

  /** The cipher a stored value needs, by its version tag. */
  async cipherOf(subjectId: string, ciphertext: string): Promise<FieldCipher | null> {
    const version = ciphertextVersion(ciphertext);
    if (version === TENANT_KEY_VERSION) return this.keyring.cipherFor(this.tenantId);
    if (version === SUBJECT_KEY_VERSION) return this.cipher(subjectId);
    throw new Error('unrecognised ciphertext');
  }

  /** Crypto-shredding: deletes the subjects' keys from the key store and from every cache here. Idempotent. */
  async destroy(subjectIds: readonly string[]): Promise<number> {
    this.keyring.shredEpoch++;
    let removed = 0;
    for (let start = 0; start < subjectIds.length; start += CHUNK) {
      const ids = subjectIds.slice(start, start + CHUNK);
      removed += await this.repo.delete({ subjectId: In([...ids]) });
    }
    this.keyring.shredEpoch++;
    for (const id of subjectIds) {
      this.keyring.subjectCache.delete(this.cacheKey(id));
      this.loader.clear(id);
    }
    return removed;
  }
}
