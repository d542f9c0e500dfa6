import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { createConnection } from 'mysql2/promise';
import { signDevToken } from '../../gateway/auth/dev-issuer';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/kit/config';
import { mysqlTarget } from '../../subgraphs/kit/data-source';
import { FAKE_CREDENTIALS, startFakeCrm, type FakeCrm } from '../../scripts/crm-fake/fake-crm';
import { writeDemoCertificate } from '../../scripts/demo-certificate';
import { eventually } from '../helpers/eventually';
import { httpClient } from '../helpers/graphql';

/**
 * The production topology without Docker, following README's "Production" section: `npm run
 * secrets`, the outside values filled in, then each server as its own `node --env-file=…
 * dist/…` process in production mode over MariaDB and Redis, behind a JWKS as an identity
 * provider would serve it. Through the gateway: a tenant, a person in every subgraph and two CRMs,
 * an outbound contact, a CRM push, and an erasure across all four subgraphs and the CRMs.
 */
const ROOT = path.resolve(__dirname, '../..');
const ISSUER = 'https://idp.topology.test/';
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-topology-'));
const envDir = path.join(root, 'deploy/env');
const prefix = `p${randomBytes(5).toString('hex')}`;
const databaseUrl = (() => {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${prefix}`;
  return url.toString();
})();

const children: { name: string; child: ChildProcess; output: string[] }[] = [];
let jwks: http.Server;
let signingKey: JWK;
let fake: FakeCrm;
let gatewayUrl: string;
let secretValues: string[] = [];
let startedInMs = 0;

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT, env, maxBuffer: 1 << 24 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Fills in a generated file's empty outside values, as the README asks. */
function fillIn(file: string, values: Record<string, string>): void {
  const full = path.join(envDir, file);
  let text = fs.readFileSync(full, 'utf8');
  for (const [key, value] of Object.entries(values)) {
    expect(text).toMatch(new RegExp(`^${key}=$`, 'm'));
    text = text.replace(new RegExp(`^${key}=$`, 'm'), `${key}=${value}`);
  }
  fs.writeFileSync(full, text);
}

function start(name: string, files: string[], entry: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [...files.map((file) => `--env-file=${path.join(envDir, file)}`), entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  children.push({ name, child, output });
  return child;
}

/** Until the process answers its readiness endpoint (or, where that is not there yet, /health). */
async function ready(name: string, base: string): Promise<void> {
  const { child, output } = children.find((c) => c.name === name)!;
  const exit = new AbortController();
  const exited = () => exit.abort(new Error(`${name} exited (${child.exitCode ?? child.signalCode})`));
  if (child.exitCode !== null || child.signalCode !== null) exited();
  else child.once('exit', exited);
  try {
    await eventually(
      async () => {
        // Refused while not listening yet: retried.
        let response = await fetch(`${base}/health/ready`);
        if (response.status === 404) response = await fetch(`${base}/health`);
        return response.ok;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `${name} to become ready`, signal: exit.signal, detail: () => output.join('').slice(-3000) },
    );
  } finally {
    child.off('exit', exited);
  }
}

const token = (claims: { sub: string; tenant?: string; roles?: string[]; platform?: boolean }) =>
  signDevToken(signingKey, { issuer: ISSUER, audience: 'cx-gateway', subject: claims.sub, tenant: claims.tenant, roles: claims.roles, platform: claims.platform });

async function allRows(): Promise<string[]> {
  const { host, port, username, password } = mysqlTarget(databaseUrl, 'identity');
  const connection = await createConnection({ host, port, user: username, password });
  try {
    const texts: string[] = [];
    for (const name of SUBGRAPH_NAMES) {
      const database = mysqlTarget(databaseUrl, name).database;
      const [tables] = (await connection.query('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ?', [database])) as unknown as [{ t: string }[]];
      for (const { t } of tables) {
        // Test databases of this file only (unique prefix); every row, to find any trace of the person.
        const [rows] = (await connection.query(`SELECT * FROM \`${database}\`.\`${t}\``)) as unknown as [Record<string, unknown>[]];
        for (const row of rows) texts.push(`${name}.${t} ${JSON.stringify(row)}`);
      }
    }
    return texts;
  } finally {
    await connection.end();
  }
}

beforeAll(async () => {
  const began = Date.now();
  // The identity provider: a JWKS on a free port.
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  signingKey = { ...(await exportJWK(privateKey)), alg: 'ES256', kid: 'idp-1' };
  const publicJwk = { ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'idp-1', use: 'sig' };
  jwks = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] })));
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  // The tenants' CRMs: production calls https only, so the stand-ins serve it with a certificate the crm process trusts.
  const certificate = writeDemoCertificate(path.join(root, 'crm-tls'), ['localhost', '127.0.0.1']);
  fake = await startFakeCrm({ tls: { cert: fs.readFileSync(certificate.certFile), key: fs.readFileSync(certificate.keyFile) } });

  // README: npm run secrets (here into this test's own directory).
  const secrets = await run('npm', ['run', '-s', 'secrets', '--', '--out', envDir]);
  expect(secrets.code).toBe(0);
  for (const key of ['DATABASE_URL', 'REDIS_URL', 'JWKS_URL', 'TOKEN_ISSUER']) expect(secrets.stdout).toContain(`${key}=`);
  secretValues = fs
    .readdirSync(envDir)
    .filter((file) => file.endsWith('.env'))
    .flatMap((file) => fs.readFileSync(path.join(envDir, file), 'utf8').split('\n'))
    .filter((line) => /^(CONTEXT_SIGNING_SECRET|CLIENT_TOKEN_PRIVATE_KEY|CONTEXT_KEY|SERVICE_KEYS|MASTER_KEYS|\w+_MASTER_KEYS|MARIADB_\w*PASSWORD)=./.test(line))
    .flatMap((line) => line.slice(line.indexOf('=') + 1).split(/[,:]/))
    .filter((part) => part.length >= 20);
  expect(secretValues.length).toBeGreaterThan(20);
  for (const value of secretValues) expect(secrets.stdout + secrets.stderr).not.toContain(value);
  // ...then the values from outside.
  fillIn('common.env', { DATABASE_URL: databaseUrl, REDIS_URL: process.env.REDIS_URL! });
  fillIn('gateway.env', { JWKS_URL: `http://127.0.0.1:${(jwks.address() as net.AddressInfo).port}/jwks.json`, TOKEN_ISSUER: ISSUER });

  // Each server its own process, addresses as docker-compose.yml gives them.
  const ports = Object.fromEntries(await Promise.all([...SUBGRAPH_NAMES, 'gateway'].map(async (name) => [name, await freePort()]))) as Record<SubgraphName | 'gateway', number>;
  const urls = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`${name.toUpperCase()}_URL`, `http://127.0.0.1:${ports[name]}/graphql`]));
  const crmHost = new URL(fake.urls.hubspot).host;
  for (const name of SUBGRAPH_NAMES) {
    start(name, ['common.env', `${name}.env`], `dist/subgraphs/${name}/index.js`, {
      ...urls,
      SUBGRAPH_HOST: '127.0.0.1',
      [`${name.toUpperCase()}_PORT`]: String(ports[name]),
      ...(name === 'crm' ? { NODE_EXTRA_CA_CERTS: certificate.certFile, CRM_ALLOWED_HOSTS: crmHost } : {}),
    });
  }
  await Promise.all(SUBGRAPH_NAMES.map((name) => ready(name, `http://127.0.0.1:${ports[name]}`)));
  start('gateway', ['common.env', 'gateway.env'], 'dist/gateway/index.js', { ...urls, HOST: '127.0.0.1', PORT: String(ports.gateway) });
  await ready('gateway', `http://127.0.0.1:${ports.gateway}`);
  gatewayUrl = `http://127.0.0.1:${ports.gateway}/graphql`;
  // Answering: an authenticated query planned and answered through a subgraph.
  const first = await httpClient(gatewayUrl, await token({ sub: 'platform-1', platform: true })).send('{ tenants(first: 1) { edges { node { id } } } }');
  expect(first.errors).toBeUndefined();
  startedInMs = Date.now() - began;
  console.log(`production topology: npm run secrets to the first answered query in ${(startedInMs / 1000).toFixed(1)} s (build done)`);
}, 240_000);

afterAll(async () => {
  await Promise.all(
    children.map(({ child }) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : (child.once('exit', resolve), child.kill('SIGTERM'))))),
  );
  await fake?.close();
  await new Promise((resolve) => jwks?.close(resolve));
  const { host, port, username, password } = mysqlTarget(databaseUrl, 'identity');
  const connection = await createConnection({ host, port, user: username, password });
  for (const name of SUBGRAPH_NAMES) {
    await connection.query(`DROP DATABASE IF EXISTS \`${mysqlTarget(databaseUrl, name).database}\``);
    await connection.query(`DROP DATABASE IF EXISTS \`${mysqlTarget(databaseUrl, name).database}_keys\``);
  }
  await connection.end();
  fs.rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('the production topology, one process per service', () => {
  const slug = `topo${randomBytes(3).toString('hex')}`;
  let admin: string;
  let agent: string;
  let officer: string;
  let person: { id: string; email: string; zendeskId: string; hubspotId: string };

  it('creates a tenant with a platform token from the identity provider, and its people act with their roles', async () => {
    const created = await httpClient(gatewayUrl, await token({ sub: 'platform-1', platform: true })).send(`mutation { createTenant(input: { slug: "${slug}", name: "Topology", deployment: PRIVATE_CLOUD, region: "eu-west-1" }) { slug status } }`);
    expect(created.errors).toBeUndefined();
    expect(created.data.createTenant).toEqual({ slug, status: 'ACTIVE' });
    admin = await token({ sub: `admin@${slug}`, tenant: slug, roles: ['admin'] });
    agent = await token({ sub: `agent@${slug}`, tenant: slug, roles: ['agent'] });
    officer = await token({ sub: `officer@${slug}`, tenant: slug, roles: ['privacy_officer'] });
    const invited = await httpClient(gatewayUrl, admin).send('mutation($input: InviteOperatorInput!) { inviteOperator(input: $input) { subject roles } }', { input: { subject: `agent@${slug}`, email: `agent@${slug}.example`, roles: ['AGENT'] } });
    expect(invited.errors).toBeUndefined();
    const policy = await httpClient(gatewayUrl, admin).send('mutation($input: PublishPolicyInput!) { publishPolicyVersion(input: $input) { id } }', { input: { version: '2026-01', effectiveAt: new Date(Date.now() - 30_000).toISOString(), summary: 'Initial notice', material: false } });
    expect(policy.errors).toBeUndefined();
    // Not a token from the identity provider: refused.
    const forged = await signDevToken((await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey)) as JWK, { issuer: ISSUER, audience: 'cx-gateway', subject: 'x', platform: true });
    expect((await httpClient(gatewayUrl, forged).send('{ tenants(first: 1) { edges { node { id } } } }')).status).toBe(401);
  });

  it('writes a person into every subgraph over the service links, contacts them outbound, and pushes them to a CRM', async () => {
    const email = `pat.${slug}@example.org`;
    const createdPerson = await httpClient(gatewayUrl, admin).send('mutation($input: CreateEndUserInput!) { createEndUser(input: $input) { id } }', { input: { firstName: 'Pat', lastName: 'Topology', email, phone: '+14155550199', ssn: '123-45-6789' } });
    expect(createdPerson.errors).toBeUndefined();
    const id = createdPerson.data.createEndUser.id as string;
    for (const query of [
      'mutation($id: ID!) { recordInteraction(input: { endUserId: $id, channel: CHAT, direction: INBOUND, transcript: [{ sequence: 1, speaker: END_USER, text: "Hello, Pat here" }] }) { id } }',
      'mutation($id: ID!) { recordConsent(input: { endUserId: $id, purpose: CONTACT_EMAIL, granted: true, source: AGENT }) { id } }',
      'mutation($id: ID!) { optOutOfContact(endUserId: $id, channel: SMS, source: AGENT) { id } }',
      // Outbound: cleared with consent over interactions>consent first.
      'mutation($id: ID!) { recordInteraction(input: { endUserId: $id, channel: VOICE, direction: OUTBOUND }) { id } }',
    ]) {
      const response = await httpClient(gatewayUrl, agent).send(query, { id });
      expect(response.errors).toBeUndefined();
    }
    const optedOut = await httpClient(gatewayUrl, agent).send('mutation($id: ID!) { recordInteraction(input: { endUserId: $id, channel: SMS, direction: OUTBOUND }) { id } }', { id });
    expect(optedOut.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const connections: Record<string, string> = {};
    for (const [key, provider, credentials] of [
      ['hubspot', 'HUBSPOT', { accessToken: FAKE_CREDENTIALS.hubspot.accessToken }],
      ['zendesk', 'ZENDESK', FAKE_CREDENTIALS.zendesk],
    ] as const) {
      const response = await httpClient(gatewayUrl, admin).send('mutation($input: CreateCrmConnectionInput!) { createCrmConnection(input: $input) { id status baseUrl } }', { input: { name: key, provider, role: 'SERVICE_PROVIDER', baseUrl: fake.urls[key], credentials } });
      expect(response.errors).toBeUndefined();
      expect(response.data.createCrmConnection.baseUrl).toMatch(/^https:/);
      connections[key] = response.data.createCrmConnection.id;
    }
    const contact = fake.addHubSpotContact({ firstname: 'Pat', lastname: 'Topology', email });
    const matched = await httpClient(gatewayUrl, admin).send('mutation($input: CrmEndUserConnectionInput!) { matchCrmRecord(input: $input) { externalId } }', { input: { endUserId: id, connectionId: connections.hubspot } });
    expect(matched.data?.matchCrmRecord.externalId).toBe(contact.id);
    const pushed = await httpClient(gatewayUrl, admin).send('mutation($input: CrmEndUserConnectionInput!) { pushEndUserToCrm(input: $input) { created link { externalId } } }', { input: { endUserId: id, connectionId: connections.zendesk } });
    expect(pushed.errors).toBeUndefined();
    expect(pushed.data.pushEndUserToCrm.created).toBe(true);
    const zendeskId = pushed.data.pushEndUserToCrm.link.externalId as string;
    expect(fake.stores.zendesk.get(Number(zendeskId))?.email).toBe(email);

    const everything = await httpClient(gatewayUrl, admin).send(
      'query($id: ID!) { endUser(id: $id) { email interactions(first: 5) { edges { node { direction } } } consents(first: 5) { edges { node { purpose } } } crmLinks(first: 5) { edges { node { externalId } } } crmRecords(first: 5) { edges { node { email } } } } }',
      { id },
    );
    expect(everything.errors).toBeUndefined();
    expect(everything.data.endUser.interactions.edges).toHaveLength(2);
    expect(everything.data.endUser.consents.edges).toHaveLength(1);
    expect(everything.data.endUser.crmLinks.edges.map((edge: any) => edge.node.externalId).sort()).toEqual([contact.id, zendeskId].sort());
    expect(everything.data.endUser.crmRecords.edges.map((edge: any) => edge.node.email)).toEqual([email, email]);
    person = { id, email, zendeskId, hubspotId: contact.id };
  });

  it('erases the person across all four subgraphs and both CRMs', async () => {
    const mentions = (text: string) => text.includes(person.id) || text.includes(person.email);
    expect(new Set((await allRows()).filter(mentions).map((row) => row.split(' ')[0].split('.')[0]))).toEqual(new Set(SUBGRAPH_NAMES));
    const erasure = await httpClient(gatewayUrl, officer).send('mutation($input: CreatePrivacyRequestInput!) { createPrivacyRequest(input: $input) { id status endUserId tasks { target status } } }', { input: { endUserId: person.id, kind: 'ERASURE' } });
    expect(erasure.errors).toBeUndefined();
    expect(erasure.data.createPrivacyRequest).toMatchObject({ status: 'COMPLETED', endUserId: null });
    expect(erasure.data.createPrivacyRequest.tasks.map((task: any) => [task.target, task.status])).toEqual([['interactions', 'DONE'], ['consent', 'DONE'], ['crm', 'DONE'], ['identity', 'DONE']]);
    expect((await allRows()).filter(mentions)).toEqual([]);
    expect(fake.stores.hubspot.has(person.hubspotId)).toBe(false);
    expect(fake.stores.zendesk.has(Number(person.zendeskId)) || fake.stores.zendeskDeleted.has(Number(person.zendeskId))).toBe(false);
    expect((await httpClient(gatewayUrl, officer).send('query($id: ID!) { endUser(id: $id) { id } }', { id: person.id })).data.endUser).toBeNull();
  });

  it('leaves no secret in any process’s output', () => {
    const output = children.map(({ output: lines }) => lines.join('')).join('\n');
    expect(output.length).toBeGreaterThan(0);
    for (const value of secretValues) expect(output).not.toContain(value);
    expect(output).not.toContain("Unauthorized");
  });
});
