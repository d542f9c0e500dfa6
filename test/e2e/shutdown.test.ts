import fs from 'node:fs';
import path from 'node:path';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/kit/config';
import { CONTEXT_HEADER, requestDigest } from '../../platform/contracts/signed-context';
import { bearer, memberClaims, testEnvironment, type TestEnvironment } from '../helpers/environment';
import { httpClient } from '../helpers/graphql';
import { eventually } from '../helpers/eventually';
import { accepts, buildTree, canListen, freePorts, heldPost, spawnProcess, type HeldRequest, type ServerProcess } from '../helpers/server-processes';

// Real processes, as deployed: SIGTERM/SIGINT to `npm start`, to `node dist/scripts/start.js`, and to
// each server alone. Requests are held in flight (headers taken, body not yet sent) across the
// signal, so "answered" below means answered after shutdown began.
jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '../..');
let build: { dir: string; cleanup(): void };
let env: TestEnvironment;
const running: ServerProcess[] = [];
const startScript = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
/**
 * Under `sh -c` without `exec`, sh dies of npm's forwarded signal and npm exits with it at once;
 * the server then stops on its own (it notices its parent is gone) and exits 0 after draining.
 */
const npmWaitsForServer = /^exec /.test(startScript);
/** Written while shutting down, looked up afterwards by the processes that run next. */
const writtenIds: string[] = [];
/** How long a process may take to let go of its ports or finish its shutdown. */
const STOPPING = { timeoutMs: 30_000, intervalMs: 50 };

beforeAll(async () => {
  [build, env] = await Promise.all([buildTree(), testEnvironment()]);
  // The project's own start script, run by npm as `npm start` runs it, over the test's build.
  fs.writeFileSync(path.join(build.dir, 'package.json'), JSON.stringify({ name: 'shutdown-test', private: true, scripts: { start: startScript.replace('dist/', '') } }));
});

afterAll(async () => {
  for (const server of running) server.kill();
  build?.cleanup();
  await env?.cleanup();
});

function baseEnv(extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'development',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    DATA_DIR: env.subgraphConfig.dataDir,
    KEYS_DIR: env.subgraphConfig.keysDir,
    SUPERGRAPH_PATH: path.join(ROOT, 'schema/supergraph.graphql'),
    // Longer than any request here: the bound is not what these tests are about.
    SHUTDOWN_DRAIN_MS: '60000',
    REQUEST_TIMEOUT_MS: '60000',
    ...(env.databaseUrl ? { DATABASE_URL: env.databaseUrl } : {}),
    ...extra,
  };
}

const READ = `query HeldRead { endUsers(first: 3) { edges { node { id email
  interactions(first: 1) { edges { node { channel } } } consents(first: 1) { edges { node { purpose } } }
  crmLinks(first: 1) { edges { node { externalId } } } } } } }`;
const WRITE = 'mutation HeldWrite($input: CreateEndUserInput!) { createEndUser(input: $input) { id lastName } }';

function expectReadAnswered(response: { status: number; body: any }) {
  expect(response.status).toBe(200);
  expect(response.body.errors).toBeUndefined();
  const nodes = response.body.data.endUsers.edges.map((edge: any) => edge.node);
  expect(nodes.length).toBeGreaterThan(0);
  for (const node of nodes) expect(node).toMatchObject({ interactions: expect.any(Object), consents: expect.any(Object), crmLinks: expect.any(Object) });
}

function expectWriteAnswered(response: { status: number; body: any }, lastName: string) {
  expect(response.status).toBe(200);
  expect(response.body.errors).toBeUndefined();
  expect(response.body.data.createEndUser).toMatchObject({ id: expect.any(String), lastName });
  writtenIds.push(response.body.data.createEndUser.id);
}

const portsEnv = (ports: number[]) => ({
  PORT: String(ports[0]),
  ...Object.fromEntries(SUBGRAPH_NAMES.map((name, i) => [`${name.toUpperCase()}_PORT`, String(ports[i + 1])])),
});

describe('one process (npm start)', () => {
  it.each([
    ['node dist/scripts/start.js', 'SIGTERM to the process', 'node', 'SIGTERM', false],
    ['npm start', 'SIGTERM to npm', 'npm', 'SIGTERM', false],
    ['npm start', 'SIGINT to the process group (Ctrl-C)', 'npm', 'SIGINT', true],
  ] as const)('%s, %s: stops accepting, readiness 503, answers the reads and writes in flight, exits 0, frees its ports', async (_name, _how, launcher, signal, group) => {
    const ports = await freePorts(5);
    const server = launcher === 'node'
      ? spawnProcess(process.execPath, [path.join(build.dir, 'scripts/start.js')], { env: baseEnv(portsEnv(ports)), detached: group })
      : spawnProcess('npm', ['start', '--silent'], { env: baseEnv(portsEnv(ports)), cwd: build.dir, detached: group });
    running.push(server);
    await server.waitFor((output) => output.includes('Gateway ready at'), 'the stack to start');
    const gatewayUrl = `http://127.0.0.1:${ports[0]}/graphql`;
    const headers = bearer(await env.token({ tenant: 'acme', roles: ['admin'] }));

    const reads = await Promise.all([1, 2].map(() => heldPost(gatewayUrl, { query: READ }, headers)));
    const lastName = `Shutdown-${signal}-${launcher}`;
    const write = await heldPost(gatewayUrl, { query: WRITE, variables: { input: { firstName: 'Held', lastName } } }, headers);

    if (group) process.kill(-server.child.pid!, signal);
    else server.child.kill(signal);
    await eventually(async () => !(await accepts(ports[0])), { ...STOPPING, what: 'the gateway to stop accepting connections' });
    // The gateway drains first: the subgraphs still listen, and say they are not ready.
    const identityReady = await fetch(`http://127.0.0.1:${ports[1]}/health/ready`);
    expect(identityReady.status).toBe(503);

    const [read1, read2, written] = await Promise.all([...reads.map((held) => held.release()), write.release()]);
    expectReadAnswered(read1);
    expectReadAnswered(read2);
    expectWriteAnswered(written, lastName);

    if (launcher === 'node' || npmWaitsForServer) expect(await server.exited).toEqual({ code: 0, signal: null });
    await eventually(() => server.records().some((r) => r.msg === 'shut down'), { ...STOPPING, what: 'the server to finish shutting down', detail: () => server.output().slice(-2000) });
    expect(server.records().filter((r) => /shutdown (failed|did not finish)/.test(String(r.msg)))).toEqual([]);
    await eventually(async () => (await Promise.all(ports.map(canListen))).every(Boolean), { ...STOPPING, what: 'every port to be free' });
  });
});

describe('each server alone', () => {
  it('gateway, then identity, interactions, consent and crm: each answers what is in flight, exits 0 and frees its port', async () => {
    const ports = await freePorts(5);
    const names: (SubgraphName | 'gateway')[] = ['gateway', ...SUBGRAPH_NAMES];
    const portOf = (name: SubgraphName | 'gateway') => ports[names.indexOf(name)];
    const urls = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`${name.toUpperCase()}_URL`, `http://127.0.0.1:${portOf(name)}/graphql`]));
    const common = baseEnv({ ...portsEnv(ports), ...urls });
    const servers = {} as Record<SubgraphName | 'gateway', ServerProcess>;
    for (const name of SUBGRAPH_NAMES) {
      servers[name] = spawnProcess(process.execPath, [path.join(build.dir, `subgraphs/${name}/index.js`)], { env: common });
      running.push(servers[name]);
    }
    await Promise.all(SUBGRAPH_NAMES.map((name) => servers[name].waitFor((output) => output.includes(`${name} subgraph ready`), `${name} to start`)));
    servers.gateway = spawnProcess(process.execPath, [path.join(build.dir, 'gateway/index.js')], { env: common });
    running.push(servers.gateway);
    await servers.gateway.waitFor((output) => output.includes('gateway ready'), 'the gateway to start');
    for (const name of names) expect((await fetch(`http://127.0.0.1:${portOf(name)}/health/ready`)).status).toBe(200);

    const gatewayUrl = `http://127.0.0.1:${portOf('gateway')}/graphql`;
    const adminToken = await env.token({ tenant: 'acme', roles: ['admin'] });
    const headers = bearer(adminToken);
    const admin = httpClient(gatewayUrl, adminToken);
    // What the one-process runs wrote while shutting down was stored.
    for (const id of writtenIds) {
      const found = await admin.send('query($id: ID!) { endUser(id: $id) { id } }', { id });
      expect(found.data?.endUser).toEqual({ id });
    }
    const tenant = (await admin.send('{ tenant { id slug } }')).data.tenant as { id: string; slug: string };

    const stopWith = async (name: SubgraphName | 'gateway', held: HeldRequest[]) => {
      servers[name].child.kill('SIGTERM');
      await eventually(async () => !(await accepts(portOf(name))), { ...STOPPING, what: `${name} to stop accepting connections` });
      const answers = await Promise.all(held.map((request) => request.release()));
      expect(await servers[name].exited).toEqual({ code: 0, signal: null });
      expect(await canListen(portOf(name))).toBe(true);
      return answers;
    };

    const lastName = 'Shutdown-gateway-alone';
    const [read, written] = await stopWith('gateway', [
      await heldPost(gatewayUrl, { query: READ }, headers),
      await heldPost(gatewayUrl, { query: WRITE, variables: { input: { firstName: 'Held', lastName } } }, headers),
    ]);
    expectReadAnswered(read);
    expectWriteAnswered(written, lastName);

    // The subgraphs directly, as the gateway calls them: a context signed for the exact body.
    const signer = await env.signer();
    const signed = async (name: SubgraphName, query: string, variables?: Record<string, unknown>) => {
      const token = await signer.sign(memberClaims(tenant, ['admin']), name, requestDigest(query, variables));
      return heldPost(`http://127.0.0.1:${portOf(name)}/graphql`, { query, variables }, { [CONTEXT_HEADER]: token });
    };
    const operations: Record<SubgraphName, [string, Record<string, unknown>?]> = {
      identity: ['mutation($input: CreateEndUserInput!) { createEndUser(input: $input) { id lastName } }', { input: { lastName: 'Shutdown-identity-alone' } }],
      interactions: ['{ interactionSettings { minGroupSize } }'],
      consent: ['{ policyVersions(first: 1) { edges { node { id } } } }'],
      crm: ['{ crmConnections(first: 1) { edges { node { id } } } }'],
    };
    // identity last: the others ask it about end-users.
    for (const name of ['interactions', 'consent', 'crm', 'identity'] as const) {
      const [answer] = await stopWith(name, [await signed(name, ...operations[name])]);
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data).toBeTruthy();
    }
  });
});
