import { DataSource } from 'typeorm';
import { EndUser } from '../../subgraphs/identity/entities/end-user.entity';
import { TenantRepository, TenantScope, TenantScopeError } from '../../subgraphs/shared/tenant-repository';

describe('tenant-scoped repository', () => {
  let dataSource: DataSource;
  beforeAll(async () => {
    dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [EndUser], synchronize: true });
    await dataSource.initialize();
  });
  afterAll(() => dataSource.destroy());

  it('refuses to exist without a tenant', () => {
    expect(() => new TenantRepository(dataSource.getRepository(EndUser), '')).toThrow(TenantScopeError);
    expect(() => TenantScope.of(dataSource, undefined as unknown as string)).toThrow(TenantScopeError);
  });

  it('updates only its own tenant’s rows, and never brings a deleted row back', async () => {
    const a = TenantScope.of(dataSource, 'tenant-u').repo(EndUser);
    const b = TenantScope.of(dataSource, 'tenant-v').repo(EndUser);
    const row = await a.save(a.create({ firstName: 'Una', dataRegion: 'us-east-1' }));
    expect(await b.update({ id: row.id }, { firstName: 'Mallory' })).toBe(0);
    expect(await b.findByIdForUpdate(row.id)).toBeNull();
    expect(await a.update({ id: row.id }, { firstName: 'Ursula' })).toBe(1);
    expect((await a.findByIdForUpdate(row.id))?.firstName).toBe('Ursula');
    await a.delete({ id: row.id });
    expect(await a.update({ id: row.id }, { firstName: 'Back' })).toBe(0);
    expect(await a.count({ id: row.id })).toBe(0);
  });

  it('stamps writes with its tenant and never reads or deletes another tenant’s rows', async () => {
    const a = TenantScope.of(dataSource, 'tenant-a').repo(EndUser);
    const b = TenantScope.of(dataSource, 'tenant-b').repo(EndUser);
    const mine = await a.save(a.create({ firstName: 'Ann', dataRegion: 'us-east-1', tenantId: 'tenant-b' } as Partial<EndUser>));
    expect(mine.tenantId).toBe('tenant-a');
    await b.save(b.create({ firstName: 'Bob', dataRegion: 'us-east-1' }));
    expect(await b.findById(mine.id)).toBeNull();
    expect(await b.findByIds([mine.id])).toEqual([]);
    expect((await b.find()).map((e) => e.firstName)).toEqual(['Bob']);
    expect(await b.delete({ id: mine.id })).toBe(0);
    expect(await a.count()).toBe(1);
    expect(await b.queryBuilder('e').andWhere('e.id = :id', { id: mine.id }).getCount()).toBe(0);
  });

  it('refuses to save an entity of another tenant', async () => {
    const a = TenantScope.of(dataSource, 'tenant-a').repo(EndUser);
    const b = TenantScope.of(dataSource, 'tenant-b').repo(EndUser);
    const foreign = (await a.find())[0];
    foreign.firstName = 'Mallory';
    await expect(b.save(foreign)).rejects.toThrow(TenantScopeError);
    expect((await a.findById(foreign.id))!.firstName).toBe('Ann');
  });
});
