import { randomBytes } from 'node:crypto';
import { Not, type DataSource } from 'typeorm';
import { TenantScope } from '../tenant-repository';
import { FieldCipher } from './field-cipher';
import type { MasterKeyProvider } from './master-keys';
import { DataKeyPurpose, TenantDataKey } from './tenant-data-key.entity';

/**
 * Hands out each tenant's field cipher: data keys are created on first use, stored wrapped, and
 * kept unwrapped only in memory.
 */
export class Keyring {
  private readonly ciphers = new Map<string, Promise<FieldCipher>>();
  private readonly secrets = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly masterKeys: MasterKeyProvider,
  ) {}

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
    const repository = this.dataSource.getRepository(TenantDataKey);
    const stale = await repository.find({ where: { masterKeyId: Not(this.masterKeys.currentKeyId) } });
    for (const row of stale) {
      const { keyId, wrapped } = await this.masterKeys.wrap(await this.masterKeys.unwrap(row.masterKeyId, row.wrappedKey));
      await repository.update({ id: row.id, tenantId: row.tenantId }, { masterKeyId: keyId, wrappedKey: wrapped });
    }
    this.ciphers.clear();
    this.secrets.clear();
    return stale.length;
  }
}
