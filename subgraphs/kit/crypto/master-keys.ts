import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Wraps and unwraps tenant data keys. A KMS-backed implementation can replace the local one. */
export interface MasterKeyProvider {
  /** Id of the key new data keys are wrapped with. */
  readonly currentKeyId: string;
  wrap(dataKey: Buffer): Promise<{ keyId: string; wrapped: string }>;
  unwrap(keyId: string, wrapped: string): Promise<Buffer>;
}

export class UnknownMasterKeyError extends Error {}

/**
 * Master keys from configuration: `MASTER_KEYS=id:base64url,id:base64url` (32-byte keys), the
 * first being current. Older keys stay listed until `npm run keys:rotate` has rewrapped everything.
 */
export class LocalMasterKeys implements MasterKeyProvider {
  private readonly keys: Map<string, Buffer>;
  readonly currentKeyId: string;

  constructor(spec: string) {
    const entries = spec.split(',').map((entry) => entry.trim()).filter(Boolean).map((entry) => {
      const [id, value] = entry.split(':');
      const key = Buffer.from(value ?? '', 'base64url');
      if (!id || !/^[A-Za-z0-9_-]{1,32}$/.test(id) || key.length !== 32) {
        throw new Error('MASTER_KEYS entries must be id:key with a 32-byte base64url key');
      }
      return [id, key] as const;
    });
    if (entries.length === 0) throw new Error('MASTER_KEYS names no key');
    this.keys = new Map(entries);
    this.currentKeyId = entries[0][0];
  }

  static generate(id: string): string {
    return `${id}:${randomBytes(32).toString('base64url')}`;
  }

  async wrap(dataKey: Buffer): Promise<{ keyId: string; wrapped: string }> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKeyId)!, iv);
    cipher.setAAD(Buffer.from(`cx-dek:${this.currentKeyId}`));
    const body = Buffer.concat([cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
    return { keyId: this.currentKeyId, wrapped: `${iv.toString('base64url')}.${body.toString('base64url')}` };
  }

  async unwrap(keyId: string, wrapped: string): Promise<Buffer> {
    const key = this.keys.get(keyId);
    if (!key) throw new UnknownMasterKeyError(`master key ${keyId} is not configured`);
    const [iv, body] = wrapped.split('.').map((part) => Buffer.from(part, 'base64url'));
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(`cx-dek:${keyId}`));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
  }
}
