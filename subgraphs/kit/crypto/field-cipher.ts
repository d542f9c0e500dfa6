import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/** Ciphertext tags: which kind of key a value is under, so older rows keep reading. */
export const TENANT_KEY_VERSION = 'v1';
export const SUBJECT_KEY_VERSION = 's1';

/** The tag before the first dot (`v1` tenant key, `s1` the person's own key). */
export const ciphertextVersion = (ciphertext: string): string => ciphertext.slice(0, ciphertext.indexOf('.'));

/**
 * AES-256-GCM for field values under one key: a tenant's data key (`v1`) or one person's key (`s1`).
 * The associated data binds each ciphertext to its tenant, record and field, so a value copied to
 * another row or column does not decrypt.
 */
export class FieldCipher {
  constructor(
    private readonly dataKey: Buffer,
    readonly indexKey: Buffer,
    readonly version: string = TENANT_KEY_VERSION,
  ) {}

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.dataKey, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${this.version}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  decrypt(ciphertext: string, context: string): string {
    const [version, iv, body] = ciphertext.split('.');
    if (version !== this.version || !iv || !body) throw new Error('unrecognised ciphertext');
    const bytes = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.dataKey, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8');
  }

  /** Keyed hash for exact-match lookups (a blind index): equal inputs match, nothing else is learnt. */
  blindIndex(normalised: string, field: string): string {
    return createHmac('sha256', this.indexKey).update(`${field}\u0000${normalised}`).digest('base64url');
  }
}
