import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError, parse, type OperationDefinitionNode } from 'graphql';
import { loadGatewayConfig } from '../../gateway/config';
import { createSubgraphFetcher, FETCH_TIMEOUT_HEADER, SubgraphTimeout } from '../../gateway/subgraph-fetcher';
import { isSubgraphOutage, unavailableErrors } from '../../gateway/subgraph-outage';
import { startFakeCrm, type FakeCrm } from '../../scripts/crm-fake/fake-crm';
import { CrmConnection, CrmConnectionStatus, CrmProvider } from '../../subgraphs/crm/entities/crm-connection.entity';
import { CrmRuntime } from '../../subgraphs/crm/services/crm-runtime';
import { loadSubgraphConfig } from '../../subgraphs/kit/config';
import { budgetForNextHop, DEADLINE_HEADER, parseBudget, remainingMs, runWithDeadline } from '../../platform/deadline';
import { isDependencyFailure } from '../../platform/dependency-errors';
import { RecipientRole } from '../../subgraphs/kit/recipient-role';

describe('the deadline a request carries', () => {
  it('takes a well-formed budget up to its own cap, and its cap for anything else', () => {
    expect(parseBudget('2500', 10_000)).toBe(2500);
    expect(parseBudget('0', 10_000)).toBe(0);
    expect(parseBudget('99999999', 10_000)).toBe(10_000);
    for (const bad of [undefined, '', ' ', 'abc', '-1', '1.5', '1e3', ' 12', 'Infinity', 'NaN', '0x10', '12,5', '9'.repeat(20)]) {
      expect(parseBudget(bad, 10_000)).toBe(10_000);
    }
  });

  it('bounds every hop by what is left, and hands on a little less', async () => {
    expect(remainingMs(5_000)).toBe(5_000);
    await runWithDeadline(Date.now() + 1_000, async () => {
      expect(remainingMs(5_000)).toBeLessThanOrEqual(1_000);
      expect(remainingMs(200)).toBe(200);
      await new Promise((resolve) => setImmediate(resolve));
      expect(remainingMs(5_000)).toBeLessThanOrEqual(1_000);
    });
    await runWithDeadline(Date.now() - 1, async () => expect(remainingMs(5_000)).toBe(0));
    expect(budgetForNextHop(10_000)).toBe(9_750);
    expect(budgetForNextHop(1_000)).toBe(900);
    expect(budgetForNextHop(0)).toBe(0);
  });

  it('reads its settings with sensible defaults, and refuses nonsense', () => {
    const gateway = loadGatewayConfig({}).deadlines;
    expect(gateway).toMatchObject({ requestMs: 10_000, subgraphFetchMs: 10_000, identityMs: 3_000 });
    expect(loadGatewayConfig({ REQUEST_TIMEOUT_MS: '2000', SUBGRAPH_TIMEOUT_MS: '5000' }).deadlines.subgraphFetchMs).toBe(2_000);
    expect(loadSubgraphConfig({}).deadlines).toMatchObject({ queryMs: 5_000, connectMs: 3_000, acquireMs: 3_000, serviceCallMs: 3_000 });
    expect(loadSubgraphConfig({}).crm).toMatchObject({ timeoutMs: 2_000, budgetMs: 4_000 });
    for (const [key, value] of [['REQUEST_TIMEOUT_MS', '0'], ['DB_QUERY_TIMEOUT_MS', 'soon'], ['CRM_BUDGET_MS', '-5']]) {
      expect(() => loadSubgraphConfig({ [key]: value })).toThrow(key);
    }
  });
});

describe('what counts as an outage', () => {
  it('knows dependency failures by their codes, nested or not, and nothing else', () => {
    const coded = (code: string) => Object.assign(new Error('x'), { code });
    for (const code of ['ECONNREFUSED', 'ETIMEDOUT', 'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'SQLITE_BUSY', 'ER_LOCK_WAIT_TIMEOUT']) {
      expect(isDependencyFailure(coded(code))).toBe(true);
      expect(isDependencyFailure({ driverError: coded(code) })).toBe(true);
      expect(isDependencyFailure(new Error('wrapped', { cause: coded(code) }))).toBe(true);
    }
    expect(isDependencyFailure(Object.assign(new Error('Command timed out'), {}))).toBe(true);
    for (const bug of [new Error('boom'), new TypeError('x is undefined'), coded('ER_DUP_ENTRY'), coded('ER_PARSE_ERROR'), coded('SQLITE_CONSTRAINT'), null, 'ECONNREFUSED', 42]) {
      expect(isDependencyFailure(bug)).toBe(false);
    }
  });

  it('treats a subgraph answering 5xx, garbage or nothing as an outage, and its refusals as answers', () => {
    const status = (code: number) => new GraphQLError(`${code}`, { extensions: { response: { status: code } } });
    expect([500, 502, 503, 504].every((code) => isSubgraphOutage(status(code)))).toBe(true);
    expect([400, 401, 403, 404].some((code) => isSubgraphOutage(status(code)))).toBe(false);
    expect(isSubgraphOutage(new SubgraphTimeout('late'))).toBe(true);
    expect(isSubgraphOutage(new SyntaxError('Unexpected token <'))).toBe(true);
    expect(isSubgraphOutage(new Error('Expected JSON response body, but received: <html>'))).toBe(true);
    expect(isSubgraphOutage(new TypeError('a bug'))).toBe(false);
  });
});

describe('the paths an unanswered fetch stands for', () => {
  const operation = (query: string) => parse(query).definitions[0] as OperationDefinitionNode;

  it('names each root field by its response key, __typename aside', () => {
    const errors = unavailableErrors(operation('query { a: interaction(id: "1") { id } interactionSettings { minGroupSize } __typename }'), {}, 'interactions');
    expect(errors.map((error) => error.path)).toEqual([['a'], ['interactionSettings']]);
    expect(errors.every((error) => error.extensions?.code === 'UNAVAILABLE')).toBe(true);
    expect(errors[0].message).not.toMatch(/http|127|:\d+/);
  });

  it('names each entity field, per representation and only for its own type', () => {
    const query = `query($representations: [_Any!]!) { _entities(representations: $representations) {
      ... on EndUser { interactions { edges { node { id } } } consentsAlias: consents { totalCount } }
      ... on Interaction { transcript { edges { node { text } } } } } }`;
    const representations = [{ __typename: 'EndUser', id: 'u1' }, { __typename: 'Interaction', id: 'i1' }, { __typename: 'EndUser', id: 'u2' }];
    expect(unavailableErrors(operation(query), { representations }, 'x').map((error) => error.path)).toEqual([
      ['_entities', 0, 'interactions'],
      ['_entities', 0, 'consentsAlias'],
      ['_entities', 1, 'transcript'],
      ['_entities', 2, 'interactions'],
      ['_entities', 2, 'consentsAlias'],
    ]);
  });
});

describe('the gateway fetcher', () => {
  let server: http.Server;
  let url: string;
  const seen: http.IncomingHttpHeaders[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      if (req.url === '/hang') return; // never answers
      res.setHeader('content-type', 'application/json');
      res.end('{"data":{"ok":true}}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const settings = { ...loadGatewayConfig({}).deadlines, subgraphFetchMs: 20_000 };

  it('answers over pooled connections, passes the deadline on and keeps its own timeout header to itself', async () => {
    const { fetcher, close } = createSubgraphFetcher(settings);
    const response = await fetcher(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', [FETCH_TIMEOUT_HEADER]: '20000', [DEADLINE_HEADER]: '900' }, body: '{}' });
    expect(response.ok).toBe(true);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ data: { ok: true } });
    const headers = seen.at(-1)!;
    expect(headers[DEADLINE_HEADER]).toBe('900');
    expect(headers[FETCH_TIMEOUT_HEADER]).toBeUndefined();
    await close();
  });

  it('gives up on a hung subgraph when the request has no time left for it', async () => {
    const { fetcher, close } = createSubgraphFetcher(settings);
    await expect(fetcher(`${url}/hang`, { method: 'POST', headers: { [FETCH_TIMEOUT_HEADER]: '200' }, body: '{}' })).rejects.toBeInstanceOf(SubgraphTimeout);
    await expect(fetcher(`${url}/graphql`, { method: 'POST', headers: { [FETCH_TIMEOUT_HEADER]: '0' }, body: '{}' })).rejects.toBeInstanceOf(SubgraphTimeout);
    // Nonsense in the header falls back to the configured bound, never to "no timeout".
    const fallback = createSubgraphFetcher({ ...settings, subgraphFetchMs: 200 });
    await expect(fallback.fetcher(`${url}/hang`, { method: 'POST', headers: { [FETCH_TIMEOUT_HEADER]: 'soon' }, body: '{}' })).rejects.toBeInstanceOf(SubgraphTimeout);
    await close();
    await fallback.close();
  });
});

describe('CRM calls within one budget', () => {
  let fake: FakeCrm;
  beforeAll(async () => {
    fake = await startFakeCrm();
  });
  afterAll(() => fake.close());
  afterEach(() => fake.setMode('hubspot', { kind: 'up' }));

  let serial = 0;
  const connection = () =>
    Object.assign(new CrmConnection(), {
      id: `budget-${++serial}`,
      tenantId: 'tenant-a',
      name: 'hubspot',
      provider: CrmProvider.HUBSPOT,
      baseUrl: fake.urls.hubspot,
      role: RecipientRole.SERVICE_PROVIDER,
      status: CrmConnectionStatus.ACTIVE,
    });
  const runtimeWith = (overrides: object) =>
    new CrmRuntime({ ...loadSubgraphConfig({ NODE_ENV: 'test' }).crm, retryBaseMs: 5, breakerFailures: 3, breakerCooldownMs: 60_000, ...overrides });

  it('stops retrying a slow CRM when the budget is spent, not after every attempt', async () => {
    fake.setMode('hubspot', { kind: 'slow', delayMs: 5_000 });
    const connector = runtimeWith({ timeoutMs: 300, retries: 5, budgetMs: 450 }).connector(connection(), fake.credentials.hubspot);
    const before = fake.requests('hubspot');
    await expect(connector.findByEmail('a@example.com')).rejects.toMatchObject({ kind: 'unavailable' });
    // 6 attempts were allowed; the budget had room for the first and part of a second.
    expect(fake.requests('hubspot') - before).toBeLessThanOrEqual(2);
  });

  it('never runs past the request deadline, even with budget to spare', async () => {
    fake.setMode('hubspot', { kind: 'slow', delayMs: 5_000 });
    const connector = runtimeWith({ timeoutMs: 1_000, retries: 3, budgetMs: 10_000 }).connector(connection(), fake.credentials.hubspot);
    const before = fake.requests('hubspot');
    await runWithDeadline(Date.now() + 150, () => expect(connector.findByEmail('a@example.com')).rejects.toMatchObject({ kind: 'unavailable' }));
    // 4 attempts were allowed; the deadline left room for one.
    expect(fake.requests('hubspot') - before).toBeLessThanOrEqual(1);
    // Out of time before the first attempt: the CRM is not called at all.
    const reached = fake.requests('hubspot');
    await runWithDeadline(Date.now() - 1, () => expect(connector.findByEmail('a@example.com')).rejects.toMatchObject({ kind: 'unavailable' }));
    expect(fake.requests('hubspot')).toBe(reached);
  });

  it('opens the circuit on latency: slow answers count as failures', async () => {
    fake.setMode('hubspot', { kind: 'slow', delayMs: 2_000 });
    const runtime = runtimeWith({ timeoutMs: 100, retries: 0, budgetMs: 1_000 });
    const row = connection();
    const connector = runtime.connector(row, fake.credentials.hubspot);
    for (let i = 0; i < 3; i++) await expect(connector.findByEmail('a@example.com')).rejects.toMatchObject({ kind: 'unavailable' });
    expect(runtime.isOpen(row.tenantId, row.id)).toBe(true);
    const before = fake.requests('hubspot');
    await expect(connector.findByEmail('a@example.com')).rejects.toThrow(/paused/);
    expect(fake.requests('hubspot')).toBe(before);
  });
});
