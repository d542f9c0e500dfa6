import type CircuitBreaker from 'opossum';
import { startFakeCrm, type FakeCrm, type FakeProvider } from '../../scripts/crm-fake/fake-crm';
import { loadSubgraphConfig } from '../../subgraphs/kit/config';
import { RecipientRole } from '../../subgraphs/kit/recipient-role';
import { CrmConnection, CrmConnectionStatus, CrmProvider } from '../../subgraphs/crm/entities/crm-connection.entity';
import { CrmError, type CrmConnector } from '../../subgraphs/crm/services/connectors/crm-connector';
import { soqlLiteral } from '../../subgraphs/crm/services/connectors/salesforce.connector';
import { checkBaseUrl } from '../../subgraphs/crm/services/base-url';
import { captureLogs } from '../helpers/log-capture';
import { CrmRuntime, type CrmCredentials } from '../../subgraphs/crm/services/crm-runtime';

let fake: FakeCrm;
beforeAll(async () => {
  fake = await startFakeCrm();
});
afterAll(() => fake.close());

const settings = (overrides: Partial<CrmRuntime['settings']> = {}) => ({
  ...loadSubgraphConfig({ NODE_ENV: 'test' }).crm,
  timeoutMs: 300,
  retries: 2,
  retryBaseMs: 5,
  breakerFailures: 3,
  breakerCooldownMs: 200,
  ...overrides,
});

const PROVIDERS: { provider: CrmProvider; key: FakeProvider }[] = [
  { provider: CrmProvider.HUBSPOT, key: 'hubspot' },
  { provider: CrmProvider.SALESFORCE, key: 'salesforce' },
  { provider: CrmProvider.ZENDESK, key: 'zendesk' },
];

let serial = 0;
function connection(provider: CrmProvider, key: FakeProvider, tenantId = 'tenant-a'): CrmConnection {
  return Object.assign(new CrmConnection(), {
    id: `connection-${++serial}`,
    tenantId,
    name: key,
    provider,
    baseUrl: fake.urls[key],
    role: RecipientRole.SERVICE_PROVIDER,
    status: CrmConnectionStatus.ACTIVE,
  });
}
const credentialsOf = (key: FakeProvider): CrmCredentials => fake.credentials[key];

describe.each(PROVIDERS)('$key connector against the fake', ({ provider, key }) => {
  let connector: CrmConnector;
  beforeAll(() => {
    connector = new CrmRuntime(settings()).connector(connection(provider, key), credentialsOf(key));
  });

  it('creates, finds by email and phone, reads in a batch, updates and deletes a contact', async () => {
    const email = `ada.${key}@example.com`;
    const id = await connector.create({ firstName: 'Ada', lastName: 'Lovelace', email, phone: '+14155550100' });
    const byEmail = await connector.findByEmail(email);
    expect(byEmail).toMatchObject({ externalId: id, name: 'Ada Lovelace', email, phone: '+14155550100' });
    expect((await connector.findByPhone('+14155550100'))?.externalId).toBe(id);
    expect(await connector.findByEmail('nobody@example.com')).toBeNull();

    const other = await connector.create({ firstName: 'Grace', lastName: 'Hopper', email: `grace.${key}@example.com` });
    const before = fake.requests(key);
    const records = await connector.readMany([id, other]);
    expect(fake.requests(key) - before).toBe(1);
    expect([...records.keys()].sort()).toEqual([id, other].sort());
    expect(records.get(other)?.name).toBe('Grace Hopper');
    expect(Object.keys(records.get(id)!.fields).length).toBeGreaterThan(3);

    await connector.update(id, { lastName: 'King' });
    expect((await connector.readMany([id])).get(id)?.name).toBe('Ada King');

    expect(await connector.delete(id)).toBe(true);
    expect((await connector.readMany([id])).has(id)).toBe(false);
    expect(await connector.delete(id)).toBe(false);
    await expect(connector.update(id, { firstName: 'X' })).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('reports refused credentials as such, without the credentials or the answer', async () => {
    const wrong = { accessToken: 'wrong-token-123456', email: 'x@example.com', apiToken: 'wrong-token-123456' };
    const refused = new CrmRuntime(settings()).connector(connection(provider, key), wrong);
    const error = await refused.findByEmail('a@example.com').catch((e: unknown) => e as CrmError);
    expect(error).toBeInstanceOf(CrmError);
    expect(error).toMatchObject({ kind: 'auth' });
    expect((error as Error).message).not.toMatch(/wrong-token|authenticate|Session expired/);
  });
});

describe('resilience', () => {
  afterEach(() => fake.setMode('hubspot', { kind: 'up' }));

  it('retries a safe call after a failure, but sends a write once', async () => {
    const connector = new CrmRuntime(settings()).connector(connection(CrmProvider.HUBSPOT, 'hubspot'), credentialsOf('hubspot'));
    fake.setMode('hubspot', { kind: 'flaky', failures: 2 });
    let before = fake.requests('hubspot');
    expect(await connector.findByEmail('nobody@example.com')).toBeNull();
    expect(fake.requests('hubspot') - before).toBe(3);

    fake.setMode('hubspot', { kind: 'flaky', failures: 1 });
    before = fake.requests('hubspot');
    await expect(connector.create({ lastName: 'Once' })).rejects.toMatchObject({ kind: 'unavailable' });
    expect(fake.requests('hubspot') - before).toBe(1);
  });

  it('times out a slow CRM', async () => {
    const connector = new CrmRuntime(settings({ retries: 0 })).connector(connection(CrmProvider.HUBSPOT, 'hubspot'), credentialsOf('hubspot'));
    fake.setMode('hubspot', { kind: 'slow', delayMs: 2_000 });
    await expect(connector.findByEmail('a@example.com')).rejects.toMatchObject({ kind: 'unavailable', message: 'HubSpot did not answer in time' });
  });

  it('opens the circuit after repeated failures, lets one call through after the cool-down, and closes on success', async () => {
    const runtime = new CrmRuntime(settings({ retries: 0 }));
    const row = connection(CrmProvider.HUBSPOT, 'hubspot');
    const connector = runtime.connector(row, credentialsOf('hubspot'));
    fake.setMode('hubspot', { kind: 'down' });
    for (let i = 0; i < 3; i++) await expect(connector.findByEmail('a@example.com')).rejects.toMatchObject({ kind: 'unavailable' });
    expect(runtime.isOpen(row.tenantId, row.id)).toBe(true);
    const before = fake.requests('hubspot');
    await expect(connector.findByEmail('a@example.com')).rejects.toThrow(/paused/);
    expect(fake.requests('hubspot')).toBe(before);
    // Another tenant's connection to the same CRM has a circuit of its own.
    const other = runtime.connector(connection(CrmProvider.HUBSPOT, 'hubspot', 'tenant-b'), credentialsOf('hubspot'));
    await expect(other.findByEmail('a@example.com')).rejects.toMatchObject({ kind: 'unavailable' });
    expect(fake.requests('hubspot')).toBe(before + 1);

    fake.setMode('hubspot', { kind: 'up' });
    const breaker = runtime.breaker(row.tenantId, row.id) as CircuitBreaker<[() => Promise<unknown>], unknown>;
    await new Promise<void>((resolve) => breaker.once('halfOpen', () => resolve()));
    expect(await connector.findByEmail('a@example.com')).toBeNull();
    expect(runtime.isOpen(row.tenantId, row.id)).toBe(false);
  });

  it('caches per tenant, connection and record, never across tenants', () => {
    const runtime = new CrmRuntime(settings({ cacheTtlMs: 60_000 }));
    const record = { externalId: '1', name: 'A', email: null, phone: null, company: null, owner: null, url: null, fields: {} };
    runtime.remember('tenant-a', 'c1', '1', record);
    expect(runtime.cached('tenant-a', 'c1', '1')).toEqual(record);
    expect(runtime.cached('tenant-b', 'c1', '1')).toBeUndefined();
    expect(runtime.cached('tenant-a', 'c2', '1')).toBeUndefined();
    runtime.forget('tenant-a', 'c1');
    expect(runtime.cached('tenant-a', 'c1', '1')).toBeUndefined();
    expect(new CrmRuntime(settings({ cacheTtlMs: 0 })).cached('tenant-a', 'c1', '1')).toBeUndefined();
  });
});

describe('Salesforce queries', () => {
  it('escapes values so they cannot change a SOQL query', async () => {
    expect(soqlLiteral("o'brien\\")).toBe("'o\\'brien\\\\'");
    const connector = new CrmRuntime(settings()).connector(connection(CrmProvider.SALESFORCE, 'salesforce'), credentialsOf('salesforce'));
    fake.addSalesforceContact({ LastName: 'Victim', Email: 'victim@example.com' });
    expect(await connector.findByEmail("x' OR Email != '")).toBeNull();
    expect((await connector.readMany(["x') OR Id != ('"])).size).toBe(0);
  });
});

describe('connection base URLs', () => {
  const production = { production: true, crm: { allowPrivateAddresses: false, allowedHosts: ['crm.internal.example'] } };
  const resolveTo = (address: string) => (async () => [{ address, family: 4 }]) as never;

  it('refuses plain http, embedded credentials and private, loopback or metadata addresses in production', async () => {
    for (const url of ['http://api.hubapi.com', 'https://127.0.0.1', 'https://10.1.2.3/x', 'https://169.254.169.254', 'https://[::1]', 'https://[::ffff:127.0.0.1]', 'https://user:pw@api.hubapi.com', 'not a url']) {
      await expect(checkBaseUrl(url, production, resolveTo('93.184.216.34'))).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'baseUrl' } });
    }
    await expect(checkBaseUrl('https://sneaky.example', production, resolveTo('192.168.1.10'))).rejects.toMatchObject({ extensions: { field: 'baseUrl' } });
  });

  it('accepts public https hosts, allowlisted hosts, and local ones outside production', async () => {
    expect(await checkBaseUrl('https://api.hubapi.com/', production, resolveTo('104.16.0.1'))).toBe('https://api.hubapi.com');
    expect(await checkBaseUrl('https://crm.internal.example', production, resolveTo('10.0.0.5'))).toBe('https://crm.internal.example');
    const development = { production: false, crm: { allowPrivateAddresses: true, allowedHosts: [] } };
    expect(await checkBaseUrl('http://127.0.0.1:4010/hubspot', development)).toBe('http://127.0.0.1:4010/hubspot');
  });
});

describe('logging', () => {
  it('redacts connection credentials wherever an input carrying them is logged', () => {
    const logs = captureLogs();
    const logger = logs.logger('crm');
    logger.info({ input: { credentials: { accessToken: 'tok-secret-1' } }, variables: { input: { credentials: { apiToken: 'tok-secret-2' } } } }, 'x');
    logger.info({ connection: { accessToken: 'tok-secret-3', apiToken: 'tok-secret-4' } }, 'y');
    expect(logs.lines.join('\n')).not.toMatch(/tok-secret/);
  });
});
