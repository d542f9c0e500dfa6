import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/**
 * AES-256-GCM for one tenant's field values. The associated data binds each ciphertext to its
 * tenant, record and field, so a value copied to another row or column does not decrypt.
 */
export class FieldCipher {
  constructor(
    private readonly dataKey: Buffer,
    private readonly indexKey: Buffer,
  ) {}

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.dataKey, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  decrypt(ciphertext: string, context: string): string {
    const [version, iv, body] = ciphertext.split('.');
    if (version !== VERSION || !iv || !body) throw new Error('unrecognised ciphertext');
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
