import { DataSource } from 'typeorm';
import { AuditAction, AuditEvent } from '../../subgraphs/identity/entities/audit-event.entity';
import { EndUser } from '../../subgraphs/identity/entities/end-user.entity';
import { AuditService } from '../../subgraphs/identity/services/audit.service';
import type { SubgraphContext } from '../../subgraphs/kit/context';
import { TenantScope } from '../../subgraphs/kit/tenant-repository';

describe('audit entries and their transaction', () => {
  let dataSource: DataSource;
  const ctx = {
    claims: { requestId: 'r-1', clientIp: '192.0.2.1', principal: { id: 'op-1', kind: 'operator', roles: ['admin'], scopes: [] } },
  } as unknown as SubgraphContext;
  beforeAll(async () => {
    dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [EndUser, AuditEvent], synchronize: true });
    await dataSource.initialize();
  });
  afterAll(() => dataSource.destroy());

  it('an entry written in a transaction that rolls back is rolled back with it', async () => {
    const scope = TenantScope.of(dataSource, 'audit-a');
    const user = await scope.repo(EndUser).save(scope.repo(EndUser).create({ legacyFirstName: 'Ann', dataRegion: 'x' }));
    await expect(
      scope.transaction(async (tx) => {
        await tx.repo(EndUser).update({ id: user.id }, { legacyFirstName: 'Changed' });
        await new AuditService(ctx).append(tx, AuditAction.UPDATE, user.id, ['firstName']);
        throw new Error('refused after the audit entry');
      }),
    ).rejects.toThrow('refused');
    expect(await scope.repo(AuditEvent).count()).toBe(0);
    expect((await scope.repo(EndUser).findById(user.id))!.legacyFirstName).toBe('Ann');
  });

  it('an entry written in a transaction that commits is kept, with the change', async () => {
    const scope = TenantScope.of(dataSource, 'audit-b');
    const user = await scope.repo(EndUser).save(scope.repo(EndUser).create({ legacyFirstName: 'Bo', dataRegion: 'x' }));
    await scope.transaction(async (tx) => {
      await tx.repo(EndUser).update({ id: user.id }, { legacyFirstName: 'Bea' });
      await new AuditService(ctx).append(tx, AuditAction.UPDATE, user.id, ['lastName', 'firstName']);
    });
    const [entry] = await scope.repo(AuditEvent).find();
    expect(entry).toMatchObject({ action: AuditAction.UPDATE, endUserId: user.id, fields: ['firstName', 'lastName'], actor: 'operator:op-1', clientIp: '192.0.2.1' });
  });

  it('takes its scope as a required argument (no default scope outside the transaction)', () => {
    expect(AuditService.prototype.append.length).toBeGreaterThanOrEqual(4);
    // @ts-expect-error the scope comes first and cannot be left out
    void (() => new AuditService(ctx).append(AuditAction.UPDATE, null, []));
  });
});
