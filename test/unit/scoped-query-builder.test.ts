import { Brackets, DataSource } from 'typeorm';
import { AuditAction, AuditEvent } from '../../subgraphs/identity/entities/audit-event.entity';
import { EndUser } from '../../subgraphs/identity/entities/end-user.entity';
import { identitySubgraph } from '../../subgraphs/identity/schema';
import { openDataSource } from '../../subgraphs/kit/data-source';
import { TenantScope, TenantScopeError } from '../../subgraphs/kit/tenant-repository';
import { testEnvironment, type TestEnvironment } from '../helpers/environment';

/**
 * Tries to read another tenant's rows through the tenant-scoped query builder, on SQLite and, when
 * the suite runs on MySQL/MariaDB, on a migrated database of this file's own.
 */
const engines: [string, () => Promise<{ dataSource: DataSource; done(): Promise<void> }>][] = [
  [
    'SQLite',
    async () => {
      const dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [EndUser, AuditEvent], synchronize: true });
      await dataSource.initialize();
      return { dataSource, done: () => dataSource.destroy() };
    },
  ],
];
if (process.env.DATABASE_URL) {
  engines.push([
    'MySQL/MariaDB',
    async () => {
      const env: TestEnvironment = await testEnvironment();
      const dataSource = await openDataSource({
        subgraph: 'identity',
        entities: identitySubgraph.entities,
        migrations: identitySubgraph.migrations,
        databaseUrl: env.databaseUrl,
        dataDir: env.subgraphConfig.dataDir,
      });
      return {
        dataSource,
        done: async () => {
          await dataSource.destroy();
          await env.cleanup();
        },
      };
    },
  ]);
}

describe.each(engines)('tenant-scoped query builder on %s', (_engine, open) => {
  let dataSource: DataSource;
  let done: () => Promise<void>;
  let mine: EndUser;
  let theirs: EndUser;
  const A = 'qb-tenant-a';
  const B = 'qb-tenant-b';

  beforeAll(async () => {
    ({ dataSource, done } = await open());
    const a = TenantScope.of(dataSource, A).repo(EndUser);
    const b = TenantScope.of(dataSource, B).repo(EndUser);
    mine = await a.save(a.create({ legacyFirstName: 'Ann', dataRegion: 'us-east-1' }));
    theirs = await b.save(b.create({ legacyFirstName: 'Bob', dataRegion: 'us-east-1' }));
    const events = TenantScope.of(dataSource, B).repo(AuditEvent);
    await events.save(events.create({ action: AuditAction.CREATE, endUserId: theirs.id, fields: [], actor: 'operator:x', clientIp: '127.0.0.1', requestId: 'r', reference: null }));
  });
  afterAll(() => done());

  const builder = () => TenantScope.of(dataSource, A).repo(EndUser).queryBuilder('user');
  const names = (rows: EndUser[]) => rows.map((row) => row.legacyFirstName).sort();

  it('keeps its own tenant’s rows reachable', async () => {
    expect(names(await builder().getMany())).toEqual(['Ann']);
    expect(names(await builder().where('user.id = :id', { id: mine.id }).getMany())).toEqual(['Ann']);
  });

  it('.where() replaces the caller’s conditions, never the tenant’s', async () => {
    expect(await builder().where('1 = 1').getMany()).toHaveLength(1);
    expect(await builder().where('user.id = :id', { id: theirs.id }).getOne()).toBeNull();
    expect(await builder().andWhere('user.id = :id', { id: mine.id }).where('user.id = :other', { other: theirs.id }).getCount()).toBe(0);
  });

  it('.orWhere() widens the caller’s conditions only', async () => {
    const rows = await builder().andWhere('user.id = :id', { id: mine.id }).orWhere('user.id = :other', { other: theirs.id }).orWhere('1 = 1').getMany();
    expect(names(rows)).toEqual(['Ann']);
    expect(await builder().orWhere('user.tenantId = :b', { b: B }).getCount()).toBe(0);
  });

  it('the tenant parameter cannot be overridden', async () => {
    expect(names(await builder().setParameters({ scopeTenantId: B }).getMany())).toEqual(['Ann']);
    expect(names(await builder().setParameter('scopeTenantId', B).where('user.tenantId = :scopeTenantId').getMany())).toEqual(['Ann']);
    const [sql, parameters] = builder().setParameter('scopeTenantId', B).getQueryAndParameters();
    expect(parameters).not.toContain(B);
    expect(sql).toMatch(/tenantId/);
  });

  it('Brackets with an OR inside stay within the tenant', async () => {
    const rows = await builder()
      .andWhere(new Brackets((qb) => qb.where('user.id = :other', { other: theirs.id }).orWhere('1 = 1')))
      .getMany();
    expect(names(rows)).toEqual(['Ann']);
    const replaced = await builder()
      .where(new Brackets((qb) => qb.where('user.tenantId = :b', { b: B }).orWhere('user.id = :other', { other: theirs.id })))
      .getMany();
    expect(replaced).toEqual([]);
  });

  it('a second FROM, a joined table and a subquery of a tenant-owned entity are scoped too', async () => {
    const crossed = await builder().addFrom(EndUser, 'other').select('other.legacyFirstName', 'name').getRawMany<{ name: string }>();
    expect(crossed.map((row) => row.name)).toEqual(['Ann']);
    const joined = await builder().innerJoin(AuditEvent, 'event', '1 = 1').select('event.id', 'id').getRawMany();
    expect(joined).toEqual([]);
    const moved = await builder().select('other.legacyFirstName', 'name').from(EndUser, 'other').getRawMany<{ name: string }>();
    expect(moved.map((row) => row.name)).toEqual(['Ann']);
    const byTableName = await builder().select('raw.legacyFirstName', 'name').from('end_users', 'raw').getRawMany<{ name: string }>();
    expect(byTableName.map((row) => row.name)).toEqual(['Ann']);
    const viaSubquery = await builder()
      .andWhere((qb) => `EXISTS ${qb.subQuery().select('1').from(AuditEvent, 'event').where('event.endUserId = :other', { other: theirs.id }).getQuery()}`)
      .getCount();
    expect(viaSubquery).toBe(0);
  });

  it('clone() keeps the tenant, and counts and pages respect it', async () => {
    const original = builder().orWhere('1 = 1');
    expect(await original.clone().getCount()).toBe(1);
    expect(await original.clone().take(10).skip(0).getManyAndCount()).toEqual([[expect.objectContaining({ legacyFirstName: 'Ann' })], 1]);
  });

  it('refuses detached builders, tables named by string and writes', async () => {
    await expect(builder().createQueryBuilder().select('u.id').from(EndUser, 'u').getRawMany()).rejects.toThrow(TenantScopeError);
    await expect(builder().select('raw.name').from('not_an_entity', 'raw').getRawMany()).rejects.toThrow(TenantScopeError);
    await expect(builder().innerJoin('not_an_entity', 'raw', '1 = 1').getRawMany()).rejects.toThrow(TenantScopeError);
    expect(() => builder().delete()).toThrow(TenantScopeError);
    expect(() => builder().update()).toThrow(TenantScopeError);
    expect(() => builder().insert()).toThrow(TenantScopeError);
    expect(await TenantScope.of(dataSource, B).repo(EndUser).count()).toBe(1);
  });
});
