import { MoreThan, type DataSource } from 'typeorm';
import type { Keyring } from '../../kit/crypto/keyring';
import { AcrossTenants } from '../../kit/platform-tables';
import { TenantScope } from '../../kit/tenant-repository';
import { EndUser } from '../entities/end-user.entity';
import { ENCRYPTED_FIELDS, EndUserCodec } from './end-user-codec';

const BATCH = 200;

/**
 * Moves profiles written before per-person keys (fields under the tenant key, names in clear) under
 * each person's own key, so erasure shreds them too. Idempotent; returns the rows rewritten.
 */
export async function backfillEndUserKeys(dataSource: DataSource, keyring: Keyring): Promise<number> {
  let rewritten = 0;
  let after = '';
  for (;;) {
    // A platform task over every tenant; each row is then rewritten through its own tenant's scope.
    const rows = await AcrossTenants.of(dataSource).find(EndUser, { where: { id: MoreThan(after) }, order: { id: 'ASC' }, take: BATCH });
    if (rows.length === 0) return rewritten;
    after = rows.at(-1)!.id;
    for (const row of rows) {
      const tenant = await keyring.cipherFor(row.tenantId);
      if (!new EndUserCodec(tenant, null).needsUpgrade(row)) continue;
      const codec = await EndUserCodec.forRow(keyring.subjects(row.tenantId), tenant, row, true);
      codec.upgrade(row);
      const columns = Object.fromEntries(
        [...ENCRYPTED_FIELDS.map((field) => `${field}Encrypted`), 'legacyFirstName', 'legacyLastName', 'emailIndex', 'phoneIndex'].map((column) => [column, (row as unknown as Record<string, unknown>)[column]]),
      );
      // UPDATE, never save(): a row erased meanwhile stays erased.
      rewritten += await TenantScope.of(dataSource, row.tenantId).repo(EndUser).update({ id: row.id }, columns);
    }
  }
}
