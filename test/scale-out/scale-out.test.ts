import { createHash, randomBytes } from 'node:crypto';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { requestDigest } from '../../platform/contracts/signed-context';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/kit/config';
import { mysqlTarget } from '../../subgraphs/kit/data-source';
import { bearer, codes, memberClaims } from '../helpers/environment';
import { httpClient } from '../helpers/graphql';
import { eventually } from '../helpers/eventually';
import { buildServices, freePorts, haproxy, spawnService, type LoadBalancer, type ServiceProcess } from '../helpers/scale-out';
import { seededStack, type SeededStack } from '../helpers/stack';

// Runs with DATABASE_URL and REDIS_URL (CI sets both) and Debian's haproxy on the PATH.
// Two instances of the gateway and of every subgraph, each in a process of its own, behind HAProxy,
// sharing one MariaDB and one Redis (under a prefix of this test's own).
jest.setTimeout(240_000);

type Service = SubgraphName | 'gateway';
const SERVICES: Service[] = [...SUBGRAPH_NAMES, 'gateway'];
const PER_ADDRESS = 12;

let world: SeededStack;
let build: Awaited<ReturnType<typeof buildServices>>;
let lb: LoadBalancer;
let identityDb: Connection;
const instances = {} as Record<Service, ServiceProcess[]>;
const front = {} as Record<Service, string>;
let admin: string;

const at = (url: string, query: string, token: string, variables?: Record<string, unknown>) => httpClient(url, token).send(query, variables);
const viaLb = (query: string, token: string, variables?: Record<string, unknown>) => at(front.gateway, query, token, variables);
const gateways = () => instances.gateway.map((instance) => instance.url);

beforeAll(async () => {
  // Migrated and seeded once, by an in-process stack that is then closed: the instances start on a ready database.
  world = await seededStack({ endUsersPerTenant: 3 });
  await world.stack.close();
  build = await buildServices();
  // Every port chosen at once (front ends and instances), so none is handed out twice.
  const free = await freePorts(SERVICES.length * 3);
  const ports = {} as Record<Service, number>;
  const own = {} as Record<Service, number[]>;
  SERVICES.forEach((name, k) => {
    [ports[name], ...own[name]] = free.slice(k * 3, k * 3 + 3);
    front[name] = `http://127.0.0.1:${ports[name]}/graphql`;
  });
  const shared = {
    DATABASE_URL: world.env.databaseUrl!,
    REDIS_URL: process.env.REDIS_URL!,
    REDIS_PREFIX: `cxs${randomBytes(4).toString('hex')}:`,
    KEYS_DIR: world.env.subgraphConfig.keysDir,
    DATA_DIR: world.env.subgraphConfig.dataDir,
    SEED: 'false',
    // Service links and the gateway's subgraphs go through the load balancer too.
    ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`${name.toUpperCase()}_URL`, front[name]])),
  };
  const env: Record<Service, Record<string, string>> = {
    identity: { ...shared, PRIVACY_RETRY_INTERVAL_MS: '200' },
    interactions: shared,
    consent: shared,
    crm: shared,
    gateway: { ...shared, ACCESS_CACHE_TTL_MS: '60000', WIDGET_RATE_LIMIT_PER_ADDRESS: String(PER_ADDRESS), SUPERGRAPH_PATH: 'schema/supergraph.graphql' },
  };
  await Promise.all(
    SERVICES.map(async (name) => {
      const listen = (n: number) => ({ [name === 'gateway' ? 'PORT' : `${name.toUpperCase()}_PORT`]: String(own[name][n]) });
      instances[name] = await Promise.all([0, 1].map((n) => spawnService(`${name}${n + 1}`, build.entries[name], { ...env[name], ...listen(n) })));
    }),
  );
  lb = await haproxy(Object.fromEntries(SERVICES.map((name) => [name, instances[name].map((i) => i.port)])), ports);
  const { host, port, username, password, database } = mysqlTarget(world.env.databaseUrl!, 'identity');
  identityDb = await createConnection({ host, port, user: username, password, database });
  admin = await world.env.token({ tenant: 'acme', roles: ['admin'], sub: 'acme-scale-admin' });
});

afterAll(async () => {
  await identityDb?.end();
  await lb?.close();
  await Promise.all(Object.values(instances).flat().map((instance) => instance.close()));
  build?.cleanup();
  await world?.env.cleanup();
});

it('refuses a revoked operator on the next request at every gateway instance, and admits them again once reinstated', async () => {
  const invited = await viaLb('mutation { inviteOperator(input: { subject: "acme-scale-agent", email: "sa@acme.example", roles: [AGENT] }) { id } }', admin);
  const id = invited.data.inviteOperator.id;
  const agent = await world.env.token({ tenant: 'acme', roles: ['agent'], sub: 'acme-scale-agent' });
  // Each instance answers, and caches, the operator as active.
  for (const url of gateways()) for (let i = 0; i < 2; i++) expect((await at(url, '{ me { id } }', agent)).errors).toBeUndefined();
  expect((await viaLb('mutation($id: ID!) { revokeOperator(id: $id) { status } }', admin, { id })).data.revokeOperator.status).toBe('REVOKED');
  for (const url of gateways()) expect(codes(await at(url, '{ me { id } }', agent))).toEqual(['FORBIDDEN']);
  expect((await viaLb('mutation($id: ID!) { reinstateOperator(id: $id) { status } }', admin, { id })).data.reinstateOperator.status).toBe('ACTIVE');
  for (const url of gateways()) expect((await at(url, '{ me { id } }', agent)).errors).toBeUndefined();
});

it('spends one rate-limit budget across the gateway instances', async () => {
  const key = (await viaLb('mutation { rotateWidgetKey { key } }', admin)).data.rotateWidgetKey.key as string;
  const origin = 'https://www.acme.example';
  expect((await viaLb('mutation($o: [String!]!) { updateWidgetOrigins(origins: $o) { origins } }', admin, { o: [origin] })).errors).toBeUndefined();
  const consent = 'mutation($v: String!) { recordCookieConsent(input: { visitorId: $v, choices: { functional: true, analytics: false, advertising: false }, page: "https://www.acme.example/" }) }';
  const statuses: number[] = [];
  for (let i = 0; i < PER_ADDRESS + 4; i++) {
    const url = gateways()[i % 2].replace(/\/graphql$/, '/widget/graphql');
    statuses.push((await httpClient(url, undefined, { 'x-widget-key': key, origin }).send(consent, { v: `visitor-${i}` })).status);
  }
  // Sixteen requests, alternating between the instances, against one budget of twelve.
  expect(statuses.slice(0, PER_ADDRESS).every((status) => status === 200)).toBe(true);
  expect(statuses.slice(PER_ADDRESS)).toEqual([429, 429, 429, 429]);
});

it('refuses a signed context replayed to another instance of the same subgraph', async () => {
  const signer = await world.env.signer();
  const query = '{ endUsers(first: 1) { edges { node { id } } } }';
  for (const [first, second] of [[0, 1], [1, 0]]) {
    const token = signer.sign(memberClaims(world.acme, ['agent']), 'identity', requestDigest(query, undefined));
    const send = (n: number) => httpClient(instances.identity[n].url, undefined, { 'x-cx-context': token }).send(query);
    const original = await send(first);
    expect(original.errors).toBeUndefined();
    expect(original.data.endUsers.edges).toHaveLength(1);
    const replayed = await send(second);
    expect(codes(replayed)).toEqual(['UNAUTHENTICATED']);
    expect(replayed.data ?? null).toBeNull();
    expect(codes(await send(first))).toEqual(['UNAUTHENTICATED']);
  }
});

it('shares persisted queries: a hash registered at one gateway instance is served by the other', async () => {
  const query = `{ endUsers(first: 2) { edges { node { id } } } } # ${randomBytes(4).toString('hex')}`;
  const extensions = { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') } };
  const post = (url: string, body: Record<string, unknown>) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(admin) }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>);
  const [one, two] = gateways();
  expect((await post(two, { extensions })).errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  expect((await post(one, { query, extensions })).data.endUsers.edges).toHaveLength(2);
  const byHash = await post(two, { extensions });
  expect(byHash.errors).toBeUndefined();
  expect(byHash.data.endUsers.edges).toHaveLength(2);
});

it('runs each due privacy task once across the identity instances', async () => {
  const created: string[] = [];
  // Objections (consent's part only): the seeded CRM connections point at no CRM here.
  for (const endUserId of [...world.acme.endUserIds, ...world.acme.endUserIds, ...world.acme.endUserIds]) {
    const answer = await viaLb('mutation($input: CreatePrivacyRequestInput!) { createPrivacyRequest(input: $input) { id status tasks { target status lastError } } }', admin, { input: { kind: 'OBJECTION', endUserId } });
    expect(answer.errors).toBeUndefined();
    expect(answer.data.createPrivacyRequest).toMatchObject({ status: 'COMPLETED' });
    created.push(answer.data.createPrivacyRequest.id);
  }
  const completions = async () =>
    ((await identityDb.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'PRIVACY_REQUEST_COMPLETED'"))[0][0].n as number);
  const before = await completions();
  // Every task made due again at once, as if each had failed: both workers find all of them.
  // Raw SQL in a test, scoped by the request ids just created.
  await identityDb.query("UPDATE privacy_tasks SET status = 'FAILED', doneAt = NULL, nextAttemptAt = ? WHERE requestId IN (?)", [new Date(Date.now() - 60_000), created]);
  await identityDb.query("UPDATE privacy_requests SET status = 'IN_PROGRESS', completedAt = NULL WHERE id IN (?)", [created]);
  await eventually(
    async () => {
      const [rows] = await identityDb.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM privacy_requests WHERE id IN (?) AND status = 'COMPLETED'", [created]);
      return rows[0].n === created.length;
    },
    { timeoutMs: 30_000, intervalMs: 200, what: 'the workers to complete every request again' },
  );
  const [tasks] = await identityDb.query<RowDataPacket[]>('SELECT requestId, target, attempts, status FROM privacy_tasks WHERE requestId IN (?)', [created]);
  expect(tasks).toHaveLength(created.length);
  // One attempt at creation, exactly one more by one of the workers.
  for (const task of tasks) expect({ target: task.target, attempts: task.attempts, status: task.status }).toEqual({ target: task.target, attempts: 2, status: 'DONE' });
  expect((await completions()) - before).toBe(created.length);
});

it('loses no acknowledged write when one instance of each service is killed under load', async () => {
  const acknowledged: string[] = [];
  let afterKill = 0;
  let killed = false;
  let attempts = 0;
  const writer = async (w: number) => {
    while (attempts < 3_000 && afterKill < 60) {
      attempts += 1;
      const wasKilled = killed;
      try {
        const answer = await viaLb('mutation($input: CreateEndUserInput!) { createEndUser(input: $input) { id } }', admin, {
          input: { firstName: `Load${w}`, lastName: `Writer${attempts}`, email: `load-${w}-${attempts}@acme.example` },
        });
        const id = answer.status === 200 && !answer.errors ? (answer.data?.createEndUser?.id as string | undefined) : undefined;
        if (id) {
          acknowledged.push(id);
          if (wasKilled) afterKill += 1;
        }
      } catch {
        // No answer (the connection was cut): not acknowledged, nothing to check.
      }
    }
  };
  const load = Promise.all([1, 2, 3, 4].map(writer));
  // Bounded by the writers themselves: they stop after their attempts.
  await eventually(() => acknowledged.length >= 40 || attempts >= 3_000, { timeoutMs: 200_000, intervalMs: 20, what: '40 acknowledged writes before the kill' });
  await Promise.all(SERVICES.map((name) => instances[name][0].kill()));
  killed = true;
  await load;
  // The surviving instances kept answering writes after the kill.
  expect(afterKill).toBeGreaterThanOrEqual(60);
  const [rows] = await identityDb.query<RowDataPacket[]>('SELECT id FROM end_users WHERE id IN (?)', [acknowledged]);
  expect(new Set(rows.map((row) => row.id as string))).toEqual(new Set(acknowledged));
});
