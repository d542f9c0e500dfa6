import { DataSource, type EntityManager } from 'typeorm';
import { EndUser } from '../../subgraphs/identity/entities/end-user.entity';
import { Tenant } from '../../subgraphs/identity/entities/tenant.entity';
import { PlatformRepository, PlatformTables } from '../../subgraphs/kit/platform-tables';
import { TenantRepository, TenantScope, TenantScopeError } from '../../subgraphs/kit/tenant-repository';

describe('tenant-scoped repository', () => {
  let dataSource: DataSource;
  beforeAll(async () => {
    dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [EndUser, Tenant], synchronize: true });
    await dataSource.initialize();
  });
  afterAll(() => dataSource.destroy());

  it('refuses to exist without a tenant', () => {
    expect(() => new TenantRepository(dataSource.getRepository(EndUser), '')).toThrow(TenantScopeError);
    expect(() => TenantScope.of(dataSource, undefined as unknown as string)).toThrow(TenantScopeError);
  });

  it('the platform-table door refuses a tenant-owned table', () => {
    expect(() => PlatformTables.of(dataSource).repo(EndUser as never)).toThrow(TenantScopeError);
    expect(PlatformTables.of(dataSource).repo(Tenant)).toBeDefined();
  });

  it('the platform repository refuses a tenant-owned table even when built by hand (its statements carry no tenant predicate)', () => {
    expect(() => new PlatformRepository(dataSource.getRepository(EndUser) as never)).toThrow(TenantScopeError);
  });

  it('looks a platform row up by plain equalities in one prepared statement, answering what the ORM answers', async () => {
    const tables = PlatformTables.of(dataSource);
    const tenants = tables.repo(Tenant);
    const saved = await tenants.save(
      tenants.create({ id: 'tenant-p', slug: 'prepared', name: 'Prepared', deployment: 'PUBLIC_CLOUD' as never, region: 'eu-west-1', allowedCidrs: ['10.0.0.0/8'], widgetOrigins: null }),
    );
    const orm = dataSource.getRepository(Tenant);
    const statements: string[] = [];
    const logQuery = jest.spyOn(dataSource.logger, 'logQuery').mockImplementation((sql: string) => void statements.push(sql));
    try {
      const bySlug = await tenants.findOneBy({ slug: 'prepared' });
      expect(statements).toHaveLength(1);
      expect(statements[0]).toMatch(/^SELECT .* FROM "tenants" p WHERE p\."slug" = \? LIMIT 1$/);
      // Same entity, types included (simple-json, dates, nulls, getters), as the ORM's own read.
      expect(bySlug).toBeInstanceOf(Tenant);
      expect(bySlug).toEqual(await orm.findOneBy({ slug: 'prepared' }));
      expect(bySlug!.accessPolicy).toEqual({ mode: 'EVERYONE', cidrs: ['10.0.0.0/8'] });
      expect(bySlug!.createdAt).toBeInstanceOf(Date);
      expect(bySlug!.createdAt.getTime()).toBe(saved.createdAt.getTime());
      expect(await tenants.findOneBy({ id: 'tenant-p', status: 'ACTIVE' as never })).toEqual(bySlug);
      expect(await tenants.findOneBy({ id: 'tenant-p', status: 'DISABLED' as never })).toBeNull();
      expect(await tenants.findOneBy({ slug: 'nobody' })).toBeNull();
      // A value that is no plain equality stays with the ORM, whose semantics it keeps.
      statements.length = 0;
      await expect(tenants.findOneBy({ widgetKey: null as never })).rejects.toThrow(/Null value encountered/);
      await expect(tenants.findOneBy({ slug: undefined })).rejects.toThrow(/Undefined value encountered/);
      expect(statements).toEqual([]);
    } finally {
      logQuery.mockRestore();
    }
    // Inside a transaction, on the transaction's connection.
    expect(await tables.transaction((inside) => inside.repo(Tenant).findOneBy({ slug: 'prepared' }))).toEqual(await orm.findOneBy({ slug: 'prepared' }));
  });

  it('updates and lock-reads only its own tenant’s rows, and never brings a deleted row back', async () => {
    const a = TenantScope.of(dataSource, 'tenant-u').repo(EndUser);
    const b = TenantScope.of(dataSource, 'tenant-v').repo(EndUser);
    const row = await a.save(a.create({ legacyFirstName: 'Una', dataRegion: 'us-east-1' }));
    expect(await b.update({ id: row.id }, { legacyFirstName: 'Mallory' })).toBe(0);
    expect(await b.findLocked({ id: row.id })).toEqual([]);
    expect(await a.update({ id: row.id }, { legacyFirstName: 'Ursula' })).toBe(1);
    expect((await a.findLocked({ id: row.id }))[0]?.legacyFirstName).toBe('Ursula');
    await a.delete({ id: row.id });
    expect(await a.update({ id: row.id }, { legacyFirstName: 'Back' })).toBe(0);
    expect(await a.count({ id: row.id })).toBe(0);
  });

  it('stamps writes with its tenant and never reads or deletes another tenant’s rows', async () => {
    const a = TenantScope.of(dataSource, 'tenant-a').repo(EndUser);
    const b = TenantScope.of(dataSource, 'tenant-b').repo(EndUser);
    const mine = await a.save(a.create({ legacyFirstName: 'Ann', dataRegion: 'us-east-1', tenantId: 'tenant-b' } as Partial<EndUser>));
    expect(mine.tenantId).toBe('tenant-a');
    await b.save(b.create({ legacyFirstName: 'Bob', dataRegion: 'us-east-1' }));
    expect(await b.findById(mine.id)).toBeNull();
    expect(await b.findByIds([mine.id])).toEqual([]);
    expect((await b.find()).map((e) => e.legacyFirstName)).toEqual(['Bob']);
    expect(await b.delete({ id: mine.id })).toBe(0);
    expect(await a.count()).toBe(1);
    expect(await b.queryBuilder('e').andWhere('e.id = :id', { id: mine.id }).getCount()).toBe(0);
  });

  it('refuses to save an entity of another tenant', async () => {
    const a = TenantScope.of(dataSource, 'tenant-a').repo(EndUser);
    const b = TenantScope.of(dataSource, 'tenant-b').repo(EndUser);
    const foreign = (await a.find())[0];
    foreign.legacyFirstName = 'Mallory';
    await expect(b.save(foreign)).rejects.toThrow(TenantScopeError);
    expect((await a.findById(foreign.id))!.legacyFirstName).toBe('Ann');
  });

  it('updates existing rows only: a row deleted meanwhile is not written back', async () => {
    const a = TenantScope.of(dataSource, 'tenant-a').repo(EndUser);
    const row = await a.save(a.create({ legacyFirstName: 'Gone', dataRegion: 'us-east-1' }));
    await a.delete({ id: row.id });
    row.legacyFirstName = 'Back';
    expect(await a.saveExisting(row)).toBe(false);
    expect(await a.update({ id: row.id }, { legacyFirstName: 'Back' })).toBe(0);
    expect(await a.findById(row.id)).toBeNull();
    // Another tenant's row is out of reach of an update too.
    const b = TenantScope.of(dataSource, 'tenant-b').repo(EndUser);
    const theirs = (await b.find())[0];
    expect(await a.update({ id: theirs.id }, { legacyFirstName: 'Mallory' })).toBe(0);
    expect((await b.findById(theirs.id))!.legacyFirstName).toBe('Bob');
  });

  it('on SQLite, runs concurrent transactions one after the other, so one rolling back takes nothing of another', async () => {
    const scope = TenantScope.of(dataSource, 'tenant-c');
    const failing = scope.transaction(async (tx) => {
      await tx.repo(EndUser).save(tx.repo(EndUser).create({ legacyFirstName: 'Rolled', dataRegion: 'x' }));
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw new Error('refused');
    });
    const succeeding = scope.transaction(async (tx) => tx.repo(EndUser).save(tx.repo(EndUser).create({ legacyFirstName: 'Kept', dataRegion: 'x' })));
    const outside = scope.repo(EndUser).save(scope.repo(EndUser).create({ legacyFirstName: 'Outside', dataRegion: 'x' }));
    await expect(failing).rejects.toThrow('refused');
    await Promise.all([succeeding, outside]);
    expect((await scope.repo(EndUser).find()).map((row) => row.legacyFirstName).sort()).toEqual(['Kept', 'Outside']);
  });

  it('runs a MySQL/MariaDB transaction again when it was chosen as a deadlock victim, and only then', async () => {
    let attempts = 0;
    const manager = {
      connection: { options: { type: 'mariadb' } },
      queryRunner: undefined,
      transaction: async (work: (m: EntityManager) => Promise<unknown>) => {
        attempts += 1;
        if (attempts < 3) throw Object.assign(new Error('Deadlock found when trying to get lock'), { driverError: { errno: 1213 } });
        return work(manager as unknown as EntityManager);
      },
    };
    expect(await new TenantScope(manager as unknown as EntityManager, 't').transaction(async () => 'done')).toBe('done');
    expect(attempts).toBe(3);
    attempts = 0;
    manager.transaction = async () => {
      attempts += 1;
      throw Object.assign(new Error('Duplicate entry'), { driverError: { errno: 1062 } });
    };
    await expect(new TenantScope(manager as unknown as EntityManager, 't').transaction(async () => 'done')).rejects.toThrow('Duplicate entry');
    expect(attempts).toBe(1);
  });
});
