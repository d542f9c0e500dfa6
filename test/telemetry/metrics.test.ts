import { randomUUID } from 'node:crypto';
import { startFakeCrm, type FakeCrm } from '../../scripts/crm-fake/fake-crm';
import { PrivacyRequest, PrivacyRequestKind, PrivacyRequestStatus } from '../../subgraphs/identity/entities/privacy-request.entity';
import { ConfigError } from '../../platform/env';
import { loadTelemetryConfig } from '../../platform/telemetry/config';
import { configureMetrics } from '../../platform/telemetry/metrics';
import { startMetricsServer, type MetricsServer } from '../../platform/telemetry/metrics-server';
import { seededStack, type SeededStack } from '../helpers/stack';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

let world: SeededStack;
let fake: FakeCrm;
let metrics: MetricsServer;
const tokens: Record<string, string> = {};
const emails: string[] = [];

async function scrape(): Promise<Sample[]> {
  const response = await fetch(metrics.url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  const samples: Sample[] = [];
  for (const line of (await response.text()).split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));
const total = (samples: Sample[], name: string, labels: Record<string, string> = {}) => find(samples, name, labels).reduce((sum, s) => sum + s.value, 0);

beforeAll(async () => {
  configureMetrics({ metricsTenantLabels: false, metricsMaxOperations: 3 });
  fake = await startFakeCrm();
  world = await seededStack({ endUsersPerTenant: 3, env: { RATE_LIMIT_REQUESTS: '20' } });
  metrics = await startMetricsServer('127.0.0.1', 0);
  tokens.admin = await world.env.token({ tenant: 'acme', roles: ['admin'], sub: 'acme-admin' });
  tokens.globex = await world.env.token({ tenant: 'globex', roles: ['admin'], sub: 'globex-admin' });
  for (const id of [...world.acme.endUserIds, ...world.globex.endUserIds]) {
    const token = world.acme.endUserIds.includes(id) ? tokens.admin : tokens.globex;
    emails.push((await world.as(token).send('query Email($id: ID!) { endUser(id: $id) { email } }', { id })).data.endUser.email);
  }
});
afterAll(async () => {
  await metrics?.close();
  await world?.close();
  await fake?.close();
});

describe('the metrics endpoint', () => {
  it('listens on a port of its own on the loopback address, and the public ports do not serve it', async () => {
    const port = Number(new URL(metrics.url).port);
    const publicPorts = [world.stack.gatewayUrl, ...Object.values(world.stack.subgraphUrls)].map((url) => Number(new URL(url).port));
    expect(publicPorts).not.toContain(port);
    expect(new URL(metrics.url).hostname).toBe('127.0.0.1');
    for (const url of [world.stack.gatewayUrl, ...Object.values(world.stack.subgraphUrls)]) {
      const response = await fetch(new URL('/metrics', url));
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('cx_graphql_requests_total');
    }
    expect((await fetch(new URL('/graphql', metrics.url), { method: 'POST' })).status).toBe(404);
  });

  it('is configured by METRICS_PORT (off when unset) and METRICS_HOST, tracing by OTEL_TRACES_EXPORTER (off when unset)', () => {
    expect(loadTelemetryConfig({})).toMatchObject({ traces: null, metricsPort: null, metricsHost: '127.0.0.1', metricsTenantLabels: false });
    expect(loadTelemetryConfig({ METRICS_PORT: '9464', OTEL_TRACES_EXPORTER: 'otlp' })).toMatchObject({ traces: 'otlp', metricsPort: 9464 });
    expect(loadTelemetryConfig({ METRICS_PORT: 'off', OTEL_TRACES_EXPORTER: 'none' })).toMatchObject({ traces: null, metricsPort: null });
    expect(loadTelemetryConfig({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }).traces).toBeNull();
    expect(() => loadTelemetryConfig({ METRICS_PORT: '70000' })).toThrow(ConfigError);
    expect(() => loadTelemetryConfig({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(ConfigError);
  });
});

describe('series', () => {
  it('count and time requests by operation and outcome, at the gateway and in each subgraph', async () => {
    const before = await scrape();
    await world.as(tokens.admin).send('query Profile($id: ID!) { endUser(id: $id) { id interactions(first: 1) { edges { node { channel } } } consents { edges { node { purpose } } } } }', { id: world.acme.endUserIds[0] });
    const bad = await world.as(tokens.admin).send('mutation Create($input: CreateEndUserInput!) { createEndUser(input: $input) { id } }', { input: { email: 'not-an-email' } });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const anonymous = await world.as('not-a-token').send('{ me { kind } }');
    expect(anonymous.status).toBe(401);
    const after = await scrape();

    const delta = (name: string, labels: Record<string, string>) => total(after, name, labels) - total(before, name, labels);
    expect(delta('cx_graphql_requests_total', { server: 'gateway', operation: 'Profile', outcome: 'OK' })).toBe(1);
    expect(delta('cx_graphql_request_duration_seconds_count', { server: 'gateway', operation: 'Profile', outcome: 'OK' })).toBe(1);
    expect(total(after, 'cx_graphql_request_duration_seconds_sum', { server: 'gateway', operation: 'Profile' })).toBeGreaterThan(0);
    // A failed operation is not admitted as a label value of its own.
    expect(delta('cx_graphql_requests_total', { server: 'gateway', operation: 'other', outcome: 'BAD_USER_INPUT' })).toBe(1);
    // Refused before any operation was read: counted, under `unknown`.
    expect(delta('cx_graphql_requests_total', { server: 'gateway', operation: 'unknown', outcome: 'UNAUTHENTICATED' })).toBe(1);
    // The subgraphs answered their parts (the gateway names them after the client's operation).
    for (const server of ['identity', 'interactions', 'consent']) {
      expect(delta('cx_graphql_requests_total', { server, outcome: 'OK' })).toBeGreaterThanOrEqual(1);
    }
  });

  it('keep at most METRICS_MAX_OPERATIONS operation names; the rest are `other`', async () => {
    for (const name of ['One', 'Two', 'Three', 'Four', 'Five']) await world.as(tokens.admin).send(`query ${name} { tenant { slug } }`);
    const operations = new Set(find(await scrape(), 'cx_graphql_requests_total', { server: 'gateway' }).map((s) => s.labels.operation));
    // Email was the first name seen, Profile the second: one more slot, then `other`.
    expect([...operations].filter((name) => !['unknown', 'other', 'anonymous'].includes(name)).sort()).toEqual(['Email', 'One', 'Profile']);
    expect(operations).toContain('other');
  });

  it('time subgraph fetches and count their errors by subgraph', async () => {
    const samples = await scrape();
    for (const subgraph of ['identity', 'interactions', 'consent']) {
      expect(total(samples, 'cx_subgraph_fetch_duration_seconds_count', { subgraph, outcome: 'ok' })).toBeGreaterThan(0);
    }
    const before = total(samples, 'cx_subgraph_fetch_errors_total', { subgraph: 'interactions' });
    // Interactions goes away (the stack's close() closes it again, harmlessly).
    await world.stack.subgraphs.interactions.close();
    const response = await world.as(tokens.admin).send('query Down($id: ID!) { endUser(id: $id) { id interactions(first: 1) { edges { node { channel } } } } }', { id: world.acme.endUserIds[0] });
    expect(response.errors?.length).toBeGreaterThan(0);
    expect(total(await scrape(), 'cx_subgraph_fetch_errors_total', { subgraph: 'interactions' })).toBe(before + 1);
    expect(total(await scrape(), 'cx_subgraph_fetch_duration_seconds_count', { subgraph: 'interactions', outcome: 'error' })).toBe(1);
  });

  it('count rate-limit refusals', async () => {
    let limited = 0;
    for (let i = 0; i < 25 && limited === 0; i++) {
      const response = await world.as(tokens.globex).send('{ tenant { slug } }');
      if (response.errors?.[0].extensions?.code === 'RATE_LIMITED') limited += 1;
    }
    expect(limited).toBe(1);
    const samples = await scrape();
    expect(total(samples, 'cx_rate_limit_refusals_total', { server: 'gateway' })).toBe(1);
    expect(total(samples, 'cx_graphql_requests_total', { server: 'gateway', outcome: 'RATE_LIMITED' })).toBe(1);
  });

  it('count CRM breakers by state, not by tenant or connection', async () => {
    const connection = await world.as(tokens.admin).send(
      'mutation($input: CreateCrmConnectionInput!) { createCrmConnection(input: $input) { id } }',
      { input: { name: 'Metrics HubSpot', provider: 'HUBSPOT', role: 'SERVICE_PROVIDER', baseUrl: fake.urls.hubspot, credentials: { accessToken: fake.credentials.hubspot.accessToken } } },
    );
    const pushed = await world.as(tokens.admin).send('mutation($input: CrmEndUserConnectionInput!) { pushEndUserToCrm(input: $input) { created } }', {
      input: { endUserId: world.acme.endUserIds[1], connectionId: connection.data.createCrmConnection.id },
    });
    expect(pushed.errors).toBeUndefined();
    const breakers = find(await scrape(), 'cx_crm_breakers');
    expect(breakers.map((s) => s.labels.state).sort()).toEqual(['closed', 'half_open', 'open']);
    expect(total(await scrape(), 'cx_crm_breakers', { state: 'closed' })).toBeGreaterThanOrEqual(1);
    expect(total(await scrape(), 'cx_crm_breakers', { state: 'open' })).toBe(0);
  });

  it('count privacy requests open and overdue across tenants', async () => {
    const repository = world.stack.subgraphs.identity.dataSource.getRepository(PrivacyRequest);
    const day = 86_400_000;
    const row = (tenantId: string, status: PrivacyRequestStatus, dueIn: number) =>
      repository.create({ id: randomUUID(), tenantId, kind: PrivacyRequestKind.ACCESS, endUserId: null, status, dueAt: new Date(Date.now() + dueIn), requestedBy: 'operator:test', completedAt: null, detailsEncrypted: null });
    const before = await scrape();
    await repository.save([
      row(world.acme.id, PrivacyRequestStatus.IN_PROGRESS, -day),
      row(world.globex.id, PrivacyRequestStatus.IN_PROGRESS, -2 * day),
      row(world.acme.id, PrivacyRequestStatus.IN_PROGRESS, 10 * day),
      row(world.globex.id, PrivacyRequestStatus.COMPLETED, -day),
    ]);
    const after = await scrape();
    expect(total(after, 'cx_privacy_requests_open') - total(before, 'cx_privacy_requests_open')).toBe(3);
    expect(total(after, 'cx_privacy_requests_overdue') - total(before, 'cx_privacy_requests_overdue')).toBe(2);
    expect(find(after, 'cx_privacy_requests_open')[0].labels).toEqual({});
  });

  it('include the database pool on MySQL and the default process metrics', async () => {
    const samples = await scrape();
    expect(find(samples, 'process_cpu_user_seconds_total')[0].value).toBeGreaterThan(0);
    expect(find(samples, 'nodejs_heap_size_used_bytes')[0].value).toBeGreaterThan(0);
    if (process.env.DATABASE_URL) {
      for (const server of ['identity', 'consent', 'crm']) {
        expect(find(samples, 'cx_db_pool_connections', { server, state: 'idle' })).toHaveLength(1);
        expect(total(samples, 'cx_db_pool_connections', { server })).toBeGreaterThanOrEqual(1);
        expect(find(samples, 'cx_db_pool_waiting', { server })[0].value).toBe(0);
      }
    } else {
      // SQLite has no pool to report.
      expect(find(samples, 'cx_db_pool_connections')).toHaveLength(0);
    }
  });

  it('carry no tenant id or slug, end-user id or email as a label value', async () => {
    const values = new Set((await scrape()).flatMap((sample) => Object.values(sample.labels)));
    const forbidden = [world.acme.id, world.globex.id, 'acme', 'globex', ...world.acme.endUserIds, ...world.globex.endUserIds, ...emails];
    expect(emails.length).toBeGreaterThan(0);
    for (const value of forbidden) expect(values).not.toContain(value);
    for (const value of values) expect(value).not.toMatch(/@|[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  it('add the tenant slug only with METRICS_TENANT_LABELS=on', async () => {
    configureMetrics({ metricsTenantLabels: true, metricsMaxOperations: 3 });
    await world.as(tokens.admin).send('query Again { tenant { slug } }');
    const labelled = find(await scrape(), 'cx_graphql_requests_total', { server: 'gateway' });
    expect(labelled.map((s) => s.labels.tenant)).toContain('acme');
  });
});
