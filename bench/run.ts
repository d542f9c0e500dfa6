import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { bulkPhone } from './bulk-tenant';
import { loadBenchConfig } from './config';
import { ContextSigner, decodeSecret, requestDigest, type RequestClaims } from '../platform/contracts/signed-context';

interface Ready {
  env: Record<string, string>;
  secure: { gateway: string; subgraphs: Record<string, string> };
  bypassed: { gateway: string; subgraphs: Record<string, string> };
  token: string;
  bulk: { token: string; endUsers: number; seedSeconds: number };
  endUserIds: string[];
  database: string;
  /** The bench stack's own development context secret, to call subgraphs directly as the gateway would. */
  contextSecret: string;
  /** The claims the gateway would send for the bench admin. */
  claims: RequestClaims;
}

interface Scenario {
  name: string;
  url: (ready: Ready) => string;
  headers: (ready: Ready, body: string) => Record<string, string>;
  /** A request body for the i-th request (ids rotate so no row is favoured). */
  body: (ready: Ready, i: number) => string;
  skip?: (ready: Ready) => boolean;
  /** Runs once before the scenario's first measurement (creates what it writes into). */
  prepare?: (ready: Ready) => Promise<void>;
  /** Work items per request (transcript segments), to report items per second too. */
  itemsPerRequest?: number;
  /** How many rows the first answer must hold, when that matters (a lookup that finds nothing measures nothing). */
  expectRows?: number;
}

interface Result {
  scenario: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  rssMb: number;
}

const FEDERATED = `query Federated($id: ID!) {
  endUser(id: $id) {
    id firstName lastName email phone ssn
    interactions(first: 5) { edges { node { id channel startedAt transcript(first: 5) { edges { node { sequence text } } } } } }
    consents(first: 5) { edges { node { purpose granted } } }
    crmLinks(first: 5) { edges { node { externalId } } }
  }
}`;
const SINGLE = 'query Single($id: ID!) { endUser(id: $id) { id firstName lastName email phone } }';

const PHONE_LOOKUP = 'query CallerId($phone: String) { endUsers(first: 5, filter: { phone: $phone }) { edges { node { id firstName lastName email } } } }';

const LIST = `query List {
  endUsers(first: 50) { edges { node { id firstName lastName interactions(first: 5) { edges { node { id channel startedAt disposition } } } } } }
}`;

const ENTITIES = `query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on EndUser { id interactions(first: 5) { edges { node { id channel } } } } }
}`;

const APPEND = `mutation Append($interactionId: ID!, $segments: [TranscriptSegmentInput!]!) {
  appendTranscriptSegments(interactionId: $interactionId, segments: $segments) { appended duplicates }
}`;
/** Live chats written into at once, and segments per append: a chat sends a few lines at a time. */
const CHATS = 50;
const SEGMENTS_PER_APPEND = 20;
const chatIds: string[] = [];
let appendCount = 0;

async function openChats(ready: Ready): Promise<void> {
  for (let k = chatIds.length; k < CHATS; k++) {
    const response = await fetch(ready.secure.gateway, {
      method: 'POST',
      headers: withToken(ready),
      body: JSON.stringify({ query: 'mutation { recordInteraction(input: { channel: CHAT, direction: INBOUND, queue: "bench" }) { id } }' }),
    });
    const body = (await response.json()) as { data?: { recordInteraction: { id: string } } };
    if (!body.data) throw new Error(`could not open a chat: ${JSON.stringify(body).slice(0, 300)}`);
    chatIds.push(body.data.recordInteraction.id);
  }
}

/** The i-th append: chats in turn, each getting the next segments in sequence; every tenth line carries a card number and an SSN. */
function append(i: number): string {
  const chat = i % CHATS;
  const base = Math.floor(i / CHATS) * SEGMENTS_PER_APPEND;
  const segments = Array.from({ length: SEGMENTS_PER_APPEND }, (_, k) => ({
    sequence: base + k + 1,
    speaker: k % 2 ? 'AGENT' : 'END_USER',
    text: (base + k) % 10 === 0
      ? `My card is 4111 1111 1111 1111 and my SSN is 123-45-6789, line ${base + k}`
      : `Thanks for waiting, I am checking the order status for you now, line ${base + k}`,
  }));
  return JSON.stringify({ query: APPEND, variables: { interactionId: chatIds[chat], segments } });
}

const gql = (query: string) => (ready: Ready, i: number) =>
  JSON.stringify({ query, variables: { id: ready.endUserIds[i % ready.endUserIds.length] } });
const withToken = (ready: Ready) => ({ 'content-type': 'application/json', authorization: `Bearer ${ready.token}` });
const plain = () => ({ 'content-type': 'application/json' });

let signer: ContextSigner | undefined;
/** A fresh context per request (each is accepted once), signed as the gateway signs it. */
const direct = (subgraph: string) => (ready: Ready, body: string) => {
  signer ??= new ContextSigner(decodeSecret(ready.contextSecret, 'bench context secret'));
  const { query, variables } = JSON.parse(body) as { query: string; variables?: unknown };
  const claims = { ...ready.claims, requestId: `bench-${Math.random().toString(36).slice(2)}` };
  return { 'content-type': 'application/json', 'x-cx-context': signer.sign(claims, subgraph, requestDigest(query, variables)) };
};

/** Each pair runs the same operation through the secured gateway and through its bypassed twin. */
const SCENARIOS: Scenario[] = [
  { name: 'federated end-user, security on', url: (r) => r.secure.gateway, headers: withToken, body: gql(FEDERATED) },
  { name: 'federated end-user, security off', url: (r) => r.bypassed.gateway, headers: plain, body: gql(FEDERATED) },
  { name: 'single-subgraph lookup, security on', url: (r) => r.secure.gateway, headers: withToken, body: gql(SINGLE) },
  { name: 'single-subgraph lookup, security off', url: (r) => r.bypassed.gateway, headers: plain, body: gql(SINGLE) },
  { name: 'single-subgraph lookup, identity direct', url: (r) => r.secure.subgraphs.identity, headers: direct('identity'), body: gql(SINGLE) },
  { name: 'list of 50 end-users with interactions', url: (r) => r.secure.gateway, headers: withToken, body: gql(LIST) },
  {
    name: '_entities batch of 100, interactions direct',
    url: (r) => r.secure.subgraphs.interactions,
    headers: direct('interactions'),
    body: (r, i) => {
      const ids = Array.from({ length: 100 }, (_, k) => r.endUserIds[(i + k) % r.endUserIds.length]);
      return JSON.stringify({ query: ENTITIES, variables: { representations: ids.map((id) => ({ __typename: 'EndUser', id })) } });
    },
  },
  {
    name: `transcript ingestion, ${SEGMENTS_PER_APPEND} segments per append`,
    url: (r) => r.secure.gateway,
    headers: withToken,
    // A counter of its own, so every append gets fresh sequences whatever ran before.
    body: () => append(appendCount++),
    prepare: openChats,
    itemsPerRequest: SEGMENTS_PER_APPEND,
  },
  {
    name: 'caller-id phone lookup in the bulk tenant',
    url: (r) => r.secure.gateway,
    headers: (r) => ({ 'content-type': 'application/json', authorization: `Bearer ${r.bulk.token}` }),
    // Spread over the whole tenant: 7919 is prime, so successive requests hit distant rows.
    body: (r, i) => JSON.stringify({ query: PHONE_LOOKUP, variables: { phone: bulkPhone((i * 7919) % r.bulk.endUsers) } }),
    skip: (r) => r.bulk.endUsers === 0,
    expectRows: 1,
  },
];

function ask<T>(child: ChildProcess, message: object, key: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (reply: Record<string, unknown>) => {
      if (key in reply) {
        child.off('message', listener);
        resolve(reply[key] as T);
      }
    };
    child.on('message', listener);
    child.send(message);
  });
}

/** Fails loudly if the operation does not answer cleanly, so no figure is measured on errors. */
async function check(scenario: Scenario, ready: Ready): Promise<void> {
  await scenario.prepare?.(ready);
  const body0 = scenario.body(ready, 0);
  const response = await fetch(scenario.url(ready), { method: 'POST', headers: scenario.headers(ready, body0), body: body0 });
  const body = (await response.json()) as { errors?: unknown; data?: { endUsers?: { edges: unknown[] } } };
  if (!response.ok || body.errors || !body.data) throw new Error(`${scenario.name}: ${JSON.stringify(body).slice(0, 300)}`);
  if (scenario.expectRows !== undefined && body.data.endUsers?.edges.length !== scenario.expectRows) {
    throw new Error(`${scenario.name}: expected ${scenario.expectRows} rows`);
  }
}

async function measure(scenario: Scenario, ready: Ready, children: ChildProcess[], seconds: number, connections: number): Promise<Result> {
  await check(scenario, ready);
  let i = 0;
  const run = (duration: number) =>
    autocannon({
      url: scenario.url(ready),
      method: 'POST',
      connections,
      duration,
      requests: [
        {
          setupRequest: (request) => {
            const body = scenario.body(ready, i++);
            return { ...request, body, headers: scenario.headers(ready, body) };
          },
        },
      ],
    });
  await run(2);
  const result = await run(seconds);
  return {
    scenario: scenario.name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
    rssMb: Math.round((await Promise.all(children.map((child) => ask<number>(child, { memory: true }, 'memory')))).reduce((a, b) => a + b, 0) / 1024 / 1024),
  };
}

async function main(): Promise<void> {
  const config = loadBenchConfig();
  const options = { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] as ('ignore' | 'inherit' | 'ipc')[], execArgv: config.nodeOptions };
  const child = fork(path.join(__dirname, 'server.js'), [], options);
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('message', (message) => resolve(message as Ready));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  // The gateways in a process of their own, as deployed: gateway and subgraphs each get a core.
  const gatewayChild = fork(path.join(__dirname, 'gateway.js'), [], options);
  const gateways = await new Promise<{ secure: string; bypassed: string }>((resolve, reject) => {
    gatewayChild.once('message', (message) => resolve((message as { gateways: { secure: string; bypassed: string } }).gateways));
    gatewayChild.once('exit', (code) => reject(new Error(`bench gateway exited with ${code}`)));
    gatewayChild.send({ env: ready.env, subgraphUrls: ready.secure.subgraphs, bypassedSubgraphUrls: ready.bypassed.subgraphs, claims: ready.claims });
  });
  ready.secure.gateway = gateways.secure;
  ready.bypassed.gateway = gateways.bypassed;
  const runs = new Map<string, Result[]>();
  try {
    // Rounds interleave the scenarios, so a slow spell of the machine hits every scenario alike.
    for (let round = 1; round <= config.rounds; round++) {
      for (const scenario of SCENARIOS.filter((s) => (!config.only || s.name.includes(config.only)) && !s.skip?.(ready))) {
        const result = await measure(scenario, ready, [child, gatewayChild], config.durationSeconds, config.connections);
        runs.set(scenario.name, [...(runs.get(scenario.name) ?? []), result]);
        process.stderr.write(`round ${round}, ${result.scenario}: ${result.requestsPerSecond.toFixed(0)} req/s, p99 ${result.p99} ms\n`);
      }
    }
  } finally {
    gatewayChild.disconnect();
    child.disconnect();
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const results: Result[] = [...runs.entries()].map(([scenario, rs]) => ({
    scenario,
    requestsPerSecond: median(rs.map((r) => r.requestsPerSecond)),
    p50: median(rs.map((r) => r.p50)),
    p99: median(rs.map((r) => r.p99)),
    errors: rs.reduce((sum, r) => sum + r.errors, 0),
    rssMb: Math.max(...rs.map((r) => r.rssMb)),
  }));
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    `Machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${ready.database}; ` +
      `${config.connections} connections, ${config.durationSeconds} s per scenario and round, medians of ${config.rounds} interleaved rounds, ` +
      `${config.endUsersPerTenant} end-users per demo tenant; ${ready.bulk.endUsers} in the bulk tenant (seeded in ${ready.bulk.seedSeconds.toFixed(0)} s).`,
    '',
    '| scenario | req/s | p50 ms | p99 ms | errors | server RSS MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...results.map((r) => {
      const items = SCENARIOS.find((s) => s.name === r.scenario)?.itemsPerRequest;
      const rate = items ? `${r.requestsPerSecond.toFixed(0)} (${(r.requestsPerSecond * items).toFixed(0)} segments/s)` : r.requestsPerSecond.toFixed(0);
      return `| ${r.scenario} | ${rate} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.rssMb} |`;
    }),
  ];
  const pair = (prefix: string) => {
    const on = results.find((r) => r.scenario === `${prefix}, security on`);
    const off = results.find((r) => r.scenario === `${prefix}, security off`);
    if (on && off) {
      lines.push(`- ${prefix}: the security layer costs ${((1 - on.requestsPerSecond / off.requestsPerSecond) * 100).toFixed(1)}% throughput (p99 ${off.p99} → ${on.p99} ms)`);
    }
  };
  lines.push('');
  pair('federated end-user');
  pair('single-subgraph lookup');
  const viaGateway = results.find((r) => r.scenario === 'single-subgraph lookup, security on');
  const direct = results.find((r) => r.scenario === 'single-subgraph lookup, identity direct');
  if (viaGateway && direct) {
    lines.push(`- single-subgraph lookup: through the gateway ${((viaGateway.requestsPerSecond / direct.requestsPerSecond) * 100).toFixed(0)}% of the direct subgraph's throughput (p99 ${direct.p99} → ${viaGateway.p99} ms)`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  if (results.some((r) => r.errors > 0)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
