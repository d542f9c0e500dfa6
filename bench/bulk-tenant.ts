import type { DataSource } from 'typeorm';
import { EndUser } from '../subgraphs/identity/entities/end-user.entity';
import { AccessMode, Deployment, Tenant, TenantStatus } from '../subgraphs/identity/entities/tenant.entity';
import { EndUserCodec } from '../subgraphs/identity/services/end-user-codec';
import type { Keyring } from '../subgraphs/kit/crypto/keyring';
import { newId } from '../subgraphs/kit/tenant-entity';
import { TenantScope } from '../subgraphs/kit/tenant-repository';

export const bulkPhone = (n: number) => `+1666${String(n).padStart(7, '0')}`;

/** A tenant `bulk` with `count` encrypted end-users whose phones are bulkPhone(0…count-1). */
export async function seedBulkTenant(identity: DataSource, keyring: Keyring, count: number): Promise<void> {
  const tenant = await identity.getRepository(Tenant).save(
    identity.getRepository(Tenant).create({
      id: newId(), slug: 'bulk', name: 'Bulk', deployment: Deployment.PUBLIC_CLOUD, region: 'us-east-1',
      status: TenantStatus.ACTIVE, accessMode: AccessMode.EVERYONE, allowedCidrs: [],
    }),
  );
  const tenantCipher = await keyring.cipherFor(tenant.id);
  const keys = keyring.subjects(tenant.id);
  const people = TenantScope.of(identity, tenant.id).repo(EndUser);
  for (let start = 0; start < count; start += 1000) {
    const rows: EndUser[] = [];
    for (let i = 0; i < Math.min(1000, count - start); i++) {
      const n = start + i;
      const row = people.create({ dataRegion: tenant.region });
      const codec = await EndUserCodec.forRow(keys, tenantCipher, row, true);
      codec.write(row, 'firstName', `Caller${n}`);
      codec.write(row, 'lastName', 'Bulk');
      codec.write(row, 'phone', bulkPhone(n));
      codec.write(row, 'email', `caller${n}@bulk.example`);
      codec.write(row, 'ssn', `${String(100 + (n % 800)).padStart(3, '0')}-${String(10 + (n % 89))}-${String(1000 + (n % 8999))}`);
      rows.push(row);
    }
    // Bulk insert for speed; every row was made by the tenant-scoped repository above.
    await identity.createQueryBuilder().insert().into(EndUser).values(rows).updateEntity(false).execute();
  }
}
