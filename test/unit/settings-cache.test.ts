import { DataSource } from 'typeorm';
import { LocalAccessEvents, type TenantVersions } from '../../platform/access-events';
import { InteractionSettings } from '../../subgraphs/interactions/entities/interaction-settings.entity';
import { InteractionSettingsService } from '../../subgraphs/interactions/services/interaction-settings.service';
import { TenantScope } from '../../subgraphs/kit/tenant-repository';
import { StatementCounter } from '../helpers/statement-counter';

/** Tenant settings cached per process, and changed everywhere at once through the shared tenant version. */
describe('tenant settings cache', () => {
  let dataSource: DataSource;
  let counter: StatementCounter<'db'>;
  let tenant = 0;
  const nextTenant = () => `tenant-settings-${++tenant}`;
  /** A process's own view of the shared store: its own object (so its own cache), the same versions. */
  const processOf = (shared: TenantVersions): TenantVersions => ({
    tenantVersion: (kind, id) => shared.tenantVersion(kind, id),
    bumpTenantVersion: (kind, id) => shared.bumpTenantVersion(kind, id),
  });

  beforeAll(async () => {
    dataSource = await new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [InteractionSettings], synchronize: true }).initialize();
    counter = new StatementCounter({ db: dataSource });
  });
  afterAll(async () => {
    counter?.close();
    await dataSource?.destroy();
  });
  beforeEach(() => counter.reset());

  it('reads a tenant’s settings once, then serves them from memory', async () => {
    const versions = processOf(new LocalAccessEvents());
    const tenantId = nextTenant();
    const service = () => new InteractionSettingsService(TenantScope.of(dataSource, tenantId), versions);
    await service().update({ minGroupSize: 7 });
    counter.reset();
    expect((await service().get()).minGroupSize).toBe(7);
    expect((await service().get()).minGroupSize).toBe(7);
    expect(counter.counts.db).toBe(1);
    // What a caller does with its copy stays with it.
    const copy = await service().get();
    copy.redactionPatterns.push({ name: 'X', pattern: 'x' });
    expect((await service().get()).redactionPatterns).toEqual([]);
  });

  it('applies a change made in another process from that process’s next request', async () => {
    const shared = new LocalAccessEvents();
    const [changing, serving] = [processOf(shared), processOf(shared)];
    const tenantId = nextTenant();
    const scope = TenantScope.of(dataSource, tenantId);
    expect((await new InteractionSettingsService(scope, serving).get()).redactionPatterns).toEqual([]);
    await new InteractionSettingsService(scope, changing).update({ redactionPatterns: [{ name: 'MEMBER_ID', pattern: 'M-\\d{6}' }] });
    const redactor = await new InteractionSettingsService(scope, serving).redactor();
    expect(JSON.stringify(redactor.redact('member M-123456 called'))).not.toContain('M-123456');
    expect((await new InteractionSettingsService(scope, serving).get()).redactionPatterns.map((p) => p.name)).toEqual(['MEMBER_ID']);
  });

  it('keeps tenants apart', async () => {
    const versions = processOf(new LocalAccessEvents());
    const [a, b] = [nextTenant(), nextTenant()];
    await new InteractionSettingsService(TenantScope.of(dataSource, a), versions).update({ minGroupSize: 9 });
    expect((await new InteractionSettingsService(TenantScope.of(dataSource, a), versions).get()).minGroupSize).toBe(9);
    expect((await new InteractionSettingsService(TenantScope.of(dataSource, b), versions).get()).minGroupSize).not.toBe(9);
  });

  it('uses nothing cached while the version cannot be read', async () => {
    const unreadable: TenantVersions = { tenantVersion: async () => null, bumpTenantVersion: async () => undefined };
    const tenantId = nextTenant();
    const service = () => new InteractionSettingsService(TenantScope.of(dataSource, tenantId), unreadable);
    await service().get();
    await service().get();
    expect(counter.counts.db).toBe(2);
  });

  it('says UNAVAILABLE when a change is saved but cannot be announced', async () => {
    const failing: TenantVersions = {
      tenantVersion: async () => '0',
      bumpTenantVersion: async () => {
        throw new Error('store unreachable');
      },
    };
    const tenantId = nextTenant();
    await expect(new InteractionSettingsService(TenantScope.of(dataSource, tenantId), failing).update({ minGroupSize: 8 })).rejects.toMatchObject({
      extensions: { code: 'UNAVAILABLE' },
    });
  });
});
