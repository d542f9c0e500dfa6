import { randomBytes } from 'node:crypto';
import { EndUser } from '../../subgraphs/identity/entities/end-user.entity';
import { eventually } from '../helpers/eventually';
import { captureLogs } from '../helpers/log-capture';
import { seededStack, type SeededStack } from '../helpers/stack';

const logs = captureLogs();
let world: SeededStack;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  world = await seededStack({ logger: logs.logger, env: { LOG_LEVEL: 'info' } });
  for (const role of ['admin', 'agent']) tokens[role] = await world.env.token({ tenant: 'acme', roles: [role], sub: `acme-${role}` });
});
afterAll(() => world?.close());

const newId = () => `test-${randomBytes(8).toString('hex')}`;
const gatewayUrl = () => world.stack.gatewayUrl;

async function post(body: unknown, headers: Record<string, string> = {}, url = gatewayUrl()) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, requestId: response.headers.get('x-request-id'), body: text.startsWith('{') ? JSON.parse(text) : text };
}

const accessLines = (requestId: string) => logs.records().filter((r) => r.msg === 'request completed' && r.requestId === requestId);
const denialLines = (requestId: string) => logs.records().filter((r) => r.msg === 'access denied' && r.requestId === requestId);
/** Lines are written when each response finishes; the gateway's after its subgraphs'. */
async function linesOf(requestId: string, names: string[]) {
  return eventually(() => names.every((name) => accessLines(requestId).some((r) => r.name === name)) && accessLines(requestId), {
    intervalMs: 20,
    what: `access lines of ${names.join(', ')}`,
  });
}

describe('X-Request-Id', () => {
  it('is taken from the client when well formed, returned, and carried to every subgraph the request reaches', async () => {
    const requestId = newId();
    const response = await post(
      { query: 'query Everywhere { endUsers(first: 1) { edges { node { id interactions(first: 1) { edges { node { id } } } consents(first: 1) { edges { node { id } } } crmLinks(first: 1) { edges { node { id } } } } } } }' },
      { authorization: `Bearer ${tokens.admin}`, 'x-request-id': requestId },
    );
    expect(response.status).toBe(200);
    expect(response.requestId).toBe(requestId);
    const lines = await linesOf(requestId, ['gateway', 'identity', 'interactions', 'consent', 'crm']);
    expect(new Set(lines.map((line) => line.name))).toEqual(new Set(['gateway', 'identity', 'interactions', 'consent', 'crm']));
    const gateway = lines.find((line) => line.name === 'gateway')!;
    expect(gateway).toMatchObject({ method: 'POST', path: '/graphql', status: 200, tenant: 'acme', tenantId: world.acme.id, principal: 'operator', operation: 'Everywhere', durationMs: expect.any(Number) });
    // Exactly one line per request at the gateway.
    expect(lines.filter((line) => line.name === 'gateway')).toHaveLength(1);
    for (const line of lines.filter((l) => l.name !== 'gateway')) expect(line).toMatchObject({ tenant: 'acme', tenantId: world.acme.id, principal: 'operator', status: 200 });
  });

  it.each([
    // Not hex: a random id in some log line could contain any three hex digits.
    ['too short', 'xyz'],
    ['too long', 'a'.repeat(129)],
    ['spaces', 'has spaces in it'],
    ['quotes and braces', '"},{"admin":true'],
    ['non-ASCII', 'ünïcødé-request-id'],
    ['a header injection attempt, encoded', 'abcdefgh%0d%0aSet-Cookie:x'],
  ])('is replaced by a fresh one when not well formed (%s)', async (_what, sent) => {
    const response = await post({ query: '{ me { tenant { slug } } }' }, { authorization: `Bearer ${tokens.admin}`, 'x-request-id': sent });
    expect(response.status).toBe(200);
    expect(response.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.requestId).not.toBe(sent);
    expect(logs.lines.join('\n')).not.toContain(sent);
    expect((await linesOf(response.requestId!, ['gateway'])).filter((line) => line.name === 'gateway')).toHaveLength(1);
  });

  it('comes back on every response: errors, refusals, malformed and over-size bodies, 404s, health, the widget and token endpoints', async () => {
    const requestId = newId();
    const base = gatewayUrl().replace(/\/graphql$/, '');
    const answers = await Promise.all([
      post('{"query": ', { 'x-request-id': `${requestId}-1` }),
      post({ query: 'x'.repeat(2_000_000) }, { 'x-request-id': `${requestId}-2` }),
      post({ query: '{ me { tenant { slug } } }' }, { authorization: 'Bearer not-a-token', 'x-request-id': `${requestId}-3` }),
      post({ query: '{ operators { edges { node { id } } } }' }, { authorization: `Bearer ${tokens.agent}`, 'x-request-id': `${requestId}-4` }),
      post({ query: '{ nope }' }, { authorization: `Bearer ${tokens.admin}`, 'x-request-id': `${requestId}-5` }),
      post({ query: 'mutation { recordCookieConsent(input: { visitorId: "v", choices: [] }) }' }, { 'x-request-id': `${requestId}-6` }, `${base}/widget/graphql`),
      post('grant_type=client_credentials', { 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': `${requestId}-7` }, `${base}/oauth/token`),
      fetch(`${base}/no/such/path`, { headers: { 'x-request-id': `${requestId}-8` } }).then((r) => ({ status: r.status, requestId: r.headers.get('x-request-id') })),
      fetch(`${base}/health/ready`, { headers: { 'x-request-id': `${requestId}-9` } }).then((r) => ({ status: r.status, requestId: r.headers.get('x-request-id') })),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([400, 413, 401, 200, 400, 401, 400, 404, 200]);
    answers.forEach((answer, i) => expect(answer.requestId).toBe(`${requestId}-${i + 1}`));
    // And each is one access-log line with its status.
    for (const [i, answer] of answers.entries()) {
      const lines = (await linesOf(`${requestId}-${i + 1}`, ['gateway'])).filter((line) => line.name === 'gateway');
      expect(lines).toHaveLength(1);
      expect(lines[0].status).toBe(answer.status);
    }
  });
});

describe('access-log lines', () => {
  it('hold no personal data: no names, emails, phones, variables, query text, tokens or client addresses', async () => {
    const person = await world.stack.subgraphs.identity.dataSource.getRepository(EndUser).findOneByOrFail({ id: world.acme.endUserIds[0] });
    const profile = await post(
      { query: 'query Person($id: ID!) { endUser(id: $id) { id firstName lastName email phone } }', variables: { id: person.id } },
      { authorization: `Bearer ${tokens.admin}` },
    );
    const { firstName, lastName, email, phone } = profile.body.data.endUser as Record<string, string>;
    const requestIds = [profile.requestId!];
    for (const [query, variables] of [
      ['query ByEmail($e: String) { endUsers(filter: { email: $e }) { edges { node { id } } } }', { e: email }],
      ['query ByPhone($p: String) { endUsers(filter: { phone: $p }) { edges { node { id } } } }', { p: phone }],
      [`mutation Rename { updateEndUser(id: "${person.id}", input: { firstName: "${firstName}", lastName: "${lastName}" }) { id } }`, undefined],
    ] as const) {
      const answer = await post({ query, variables }, { authorization: `Bearer ${tokens.admin}` });
      expect(answer.status).toBe(200);
      requestIds.push(answer.requestId!);
    }
    const lines = (await Promise.all(requestIds.map((id) => linesOf(id, ['gateway', 'identity'])))).flat();
    expect(lines.length).toBeGreaterThanOrEqual(requestIds.length * 2);
    const text = JSON.stringify(lines);
    for (const secret of [firstName, lastName, email, phone, person.id, tokens.admin, tokens.admin.split('.')[2], '127.0.0.1', 'endUsers(', 'authorization']) {
      expect(text).not.toContain(secret);
    }
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(['durationMs', 'hostname', 'level', 'method', 'msg', 'name', 'operation', 'path', 'pid', 'principal', 'requestId', 'status', 'tenant', 'tenantId', 'time'].sort());
    }
  });
});

describe('denial lines', () => {
  it('are not written for operations that succeed, though shield evaluated rules that did not pass', async () => {
    // Tenant fields are `or(isTenantMember, isPlatformOperator)`: the platform branch fails for a member.
    for (const [query, token] of [
      ['{ tenant { id slug accessPolicy { mode cidrs } } }', tokens.admin],
      ['{ policyVersions(first: 1) { edges { node { id } } } upcomingPolicyChange { id } }', tokens.agent],
      ['{ me { tenant { slug } } endUsers(first: 2) { edges { node { id consents(first: 1) { edges { node { id } } } } } } }', tokens.agent],
    ] as const) {
      const requestId = newId();
      const answer = await post({ query }, { authorization: `Bearer ${token}`, 'x-request-id': requestId });
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      await linesOf(requestId, ['gateway']);
      expect(denialLines(requestId)).toEqual([]);
    }
  });

  it('are written once per refusal the caller gets, naming the field, and only those', async () => {
    for (const [query, refused] of [
      ['query Ops { operators { edges { node { id } } } }', ['operators']],
      ['query Policy { tenant { id slug accessPolicy { mode } } }', ['tenant.accessPolicy']],
      ['query Both { operators { edges { node { id } } } apiClients { edges { node { id } } } tenant { slug } }', ['operators', 'apiClients']],
    ] as const) {
      const requestId = newId();
      const answer = await post({ query }, { authorization: `Bearer ${tokens.agent}`, 'x-request-id': requestId });
      const paths = (answer.body.errors ?? []).map((error: { path: string[] }) => error.path.join('.')).sort();
      // Two refused non-null roots: the answer is null once the first fails, so it may carry one error or both.
      expect(paths.length).toBeGreaterThan(0);
      for (const path of paths) expect(refused).toContain(path);
      await linesOf(requestId, ['gateway']);
      const denials = denialLines(requestId);
      expect(denials.map((line) => line.path).sort()).toEqual(paths);
      for (const line of denials) {
        expect(line).toMatchObject({ tenant: 'acme', principal: 'operator:acme-agent', code: 'FORBIDDEN' });
        expect(String(line.field).split('.').pop()).toBe(String(line.path).split('.').pop());
      }
    }
  });
});
