import os from 'node:os';
import { bulkPhone } from './bulk-tenant';
import { loadBenchConfig, type BenchConfig } from './config';
import { combine, drive, driveRaw, type LoadResult, type RawLoad } from './load';
import { cpuMs, machineTicks, pinProcess, rssMb } from './processes';
import type { Ready } from './server';
import { startStack, type Stack } from './stack';
import { CLAIMS_HEADER } from './bypassed-claims';
import { ContextSigner, decodeSecret, requestDigest } from '../platform/contracts/signed-context';
import { freePorts, haproxy, haproxyBinary, type LoadBalancer } from '../scripts/topology';

/**
 * `npm run bench`: the secured stack, its twin without access control, a vanilla @apollo/gateway
 * over the twin's subgraphs and, with --baseline, another built checkout, each server in a process
 * of its own; every scenario in interleaved rounds after an unmeasured warm-up round. Throughput
 * swings with the machine's load; the CPU milliseconds per request each process spent (from /proc)
 * are the steadier figures, and the ratios carry their spread across rounds.
 */

export const FEDERATED = `query Federated($id: ID!) {
  endUser(id: $id) {
    id firstName lastName email phone ssn
    interactions(first: 5) { edges { node { id channel startedAt transcript(first: 5) { edges { node { sequence text } } } } } }
    consents(first: 5) { edges { node { purpose granted } } }
    crmLinks(first: 5) { edges { node { externalId } } }
  }
}`;
export const SINGLE = 'query Single($id: ID!) { endUser(id: $id) { id firstName lastName email phone } }';
const PHONE_LOOKUP = 'query CallerId($phone: String) { endUsers(first: 5, filter: { phone: $phone }) { edges { node { id firstName lastName email } } } }';
const LIST = `query List($first: Int!) {
  endUsers(first: $first) { edges { node { id firstName lastName ssn interactions(first: 5) { edges { node { id channel startedAt disposition transcript(first: 5) { edges { node { sequence text } } } } } } } } }
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

type StackName = 'secure' | 'twin' | 'vanilla' | 'baseline' | 'direct' | 'direct-twin' | 'side';

interface Scenario {
  id: string;
  name: string;
  stack: StackName;
  connections: number;
  url: (stack: Stack) => string;
  headers: (ready: Ready, body: string) => Record<string, string>;
  /** A request body for the i-th request (ids rotate so no row is favoured). */
  body: (ready: Ready, i: number) => string;
  /** Runs once before the scenario's first request (creates what it writes into). */
  prepare?: (stack: Stack) => Promise<void>;
  /** Work items per request (transcript segments), to report items per second too. */
  itemsPerRequest?: number;
  /** How many rows the first answer must hold, when that matters (a lookup that finds nothing measures nothing). */
  expectRows?: number;
  /** The processes whose CPU and memory the scenario is charged with. */
  gatewayRole?: string;
  subgraphRole: string;
  /**
   * As deployed, where the gateway does not share the subgraph's CPU: while the scenario runs, the
   * subgraphs' process moves to the load generator's CPUs (the gateway keeps the servers' CPUs to
   * itself; every other process is idle), and moves back after.
   */
  ownCpus?: boolean;
}

interface RoundResult {
  round: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  gatewayCpu?: number;
  subgraphCpu: number;
  gatewayRss?: number;
  subgraphRss: number;
  /** Share of the machine's CPU time the hypervisor took during the window, in percent. */
  steal: number;
  /** The measured window's length. */
  seconds: number;
}

const withToken = (ready: Ready) => ({ 'content-type': 'application/json', authorization: `Bearer ${ready.token}` });
const plain = () => ({ 'content-type': 'application/json' });
/** Straight to a bypassed subgraph: the claims in plain JSON, as the twin gateway sends them. */
export const plainClaims = (ready: Ready) => ({
  'content-type': 'application/json',
  [CLAIMS_HEADER]: JSON.stringify({ ...ready.claims, requestId: `bench-${Math.random().toString(36).slice(2)}` }),
});
const byId = (query: string) => (ready: Ready, i: number) => JSON.stringify({ query, variables: { id: ready.endUserIds[i % ready.endUserIds.length] } });

const signers = new Map<string, ContextSigner>();
/** A fresh context per request (each is accepted once), signed as the gateway signs it. */
export const direct = (subgraph: string) => (ready: Ready, body: string) => {
  let signer = signers.get(ready.contextSecret);
  if (!signer) signers.set(ready.contextSecret, (signer = new ContextSigner(decodeSecret(ready.contextSecret, 'bench context secret'))));
  const { query, variables } = JSON.parse(body) as { query: string; variables?: unknown };
  const claims = { ...ready.claims, requestId: `bench-${Math.random().toString(36).slice(2)}` };
  return { 'content-type': 'application/json', 'x-cx-context': signer.sign(claims, subgraph, requestDigest(query, variables)) };
};

const ROLES: Record<StackName, { gatewayRole?: string; subgraphRole: string }> = {
  secure: { gatewayRole: 'gateway', subgraphRole: 'subgraphs' },
  twin: { gatewayRole: 'gateway-twin', subgraphRole: 'subgraphs-bypassed' },
  vanilla: { gatewayRole: 'gateway-vanilla', subgraphRole: 'subgraphs-bypassed' },
  baseline: { gatewayRole: 'gateway-baseline', subgraphRole: 'subgraphs-baseline' },
  direct: { subgraphRole: 'subgraphs' },
  'direct-twin': { subgraphRole: 'subgraphs-bypassed' },
  side: { gatewayRole: 'gateway-side', subgraphRole: 'subgraphs-side' },
};
const LABEL: Record<StackName, string> = {
  secure: 'security on',
  twin: 'security off (twin)',
  vanilla: 'vanilla @apollo/gateway',
  baseline: 'baseline checkout',
  direct: 'direct to the subgraph',
  'direct-twin': 'direct to the bypassed subgraph (no signed context, no shield)',
  side: 'security on',
};
const gatewayOf = (stack: StackName) => (s: Stack) => s.gateways[stack === 'direct' || stack === 'direct-twin' ? 'secure' : stack]!;

function scenarios(config: BenchConfig, stack: Stack, hop?: string): Scenario[] {
  const list: Scenario[] = [];
  const add = (s: Omit<Scenario, 'gatewayRole' | 'subgraphRole' | 'connections'> & { connections?: number }) =>
    list.push({ connections: config.connections, ...ROLES[s.stack], ...s });
  const headersOf = (name: StackName) => (name === 'secure' || name === 'side' || name === 'baseline' ? withToken : plain);
  const stacks = (...names: StackName[]) => names.filter((n) => n === 'secure' || n === 'direct' || (n === 'direct-twin' ? stack.bypassedSubgraphs : stack.gateways[n as keyof Stack['gateways']]));

  for (const name of stacks('secure', 'twin', 'vanilla', 'baseline')) {
    add({ id: `federated/${name}`, name: `federated end-user, ${LABEL[name]}`, stack: name, url: gatewayOf(name), headers: headersOf(name), body: byId(FEDERATED) });
  }
  for (const connections of config.connectionsSweep.filter((c) => c !== config.connections)) {
    for (const name of stacks('secure', 'twin')) {
      add({ id: `federated/${name}@${connections}`, name: `federated end-user, ${LABEL[name]}, ${connections} connections`, stack: name, connections, url: gatewayOf(name), headers: headersOf(name), body: byId(FEDERATED) });
    }
  }
  for (const name of stacks('secure', 'twin', 'vanilla', 'baseline')) {
    add({ id: `single/${name}`, name: `single-subgraph lookup, ${LABEL[name]}`, stack: name, url: gatewayOf(name), headers: headersOf(name), body: byId(SINGLE) });
  }
  add({ id: 'single/direct', name: `single-subgraph lookup, ${LABEL.direct} (identity, signed context)`, stack: 'direct', url: (s) => s.ready.secure.subgraphs.identity, headers: direct('identity'), body: byId(SINGLE) });
  // The subgraph's own share of the security layer's cost: the same call to its bypassed twin.
  if (stacks('direct-twin').length) {
    add({ id: 'single/direct-twin', name: `single-subgraph lookup, ${LABEL['direct-twin']} (identity)`, stack: 'direct-twin', url: (s) => s.bypassedSubgraphs!.identity, headers: plainClaims, body: byId(SINGLE) });
  }
  if (config.pinning) {
    // The same pair with the gateway on CPUs of its own: the subgraphs share the load generator's in both.
    // At the bench's connections, and at the sweep's most: a request through the gateway takes two
    // hops, so it needs more requests in flight than the direct one to keep both CPUs busy.
    const where = `subgraphs on CPU ${config.pinning.load} with the load generator`;
    for (const connections of [...new Set([config.connections, Math.max(config.connections, ...config.connectionsSweep)])]) {
      const at = connections === config.connections ? '' : `@${connections}`;
      const said = connections === config.connections ? '' : `, ${connections} connections`;
      add({ id: `single/secure-own${at}`, name: `single-subgraph lookup, security on, gateway alone on CPU ${config.pinning.servers}, ${where}${said}`, stack: 'secure', connections, url: gatewayOf('secure'), headers: withToken, body: byId(SINGLE), ownCpus: true });
      // References for the same hop: the twin and vanilla gateways (the hop through any gateway of
      // this stack), and HAProxy alone (the hop itself), each where the secured gateway runs.
      for (const name of stacks('twin', 'vanilla')) {
        add({ id: `single/${name}-own${at}`, name: `single-subgraph lookup, ${LABEL[name]}, gateway alone on CPU ${config.pinning.servers}, ${where}${said}`, stack: name, connections, url: gatewayOf(name), headers: headersOf(name), body: byId(SINGLE), ownCpus: true });
      }
      if (hop) {
        add({ id: `single/hop-own${at}`, name: `single-subgraph lookup, through HAProxy alone on CPU ${config.pinning.servers} to the subgraph, ${where}${said}`, stack: 'direct', connections, url: () => hop, headers: direct('identity'), body: byId(SINGLE), ownCpus: true });
      }
      add({ id: `single/direct-own${at}`, name: `single-subgraph lookup, direct to the subgraph, ${where}${said}`, stack: 'direct', connections, url: (s) => s.ready.secure.subgraphs.identity, headers: direct('identity'), body: byId(SINGLE), ownCpus: true });
    }
  }
  for (const size of config.listSizes) {
    for (const name of stacks('secure', 'twin')) {
      add({
        id: `list${size}/${name}`,
        name: `list of ${size} end-users (ssn, interactions, transcripts), ${LABEL[name]}`,
        stack: name,
        url: gatewayOf(name),
        headers: headersOf(name),
        body: () => JSON.stringify({ query: LIST, variables: { first: size } }),
        expectRows: size,
      });
    }
  }
  const entities = (r: Ready, i: number) => {
    const ids = Array.from({ length: 100 }, (_, k) => r.endUserIds[(i + k) % r.endUserIds.length]);
    return JSON.stringify({ query: ENTITIES, variables: { representations: ids.map((id) => ({ __typename: 'EndUser', id })) } });
  };
  add({ id: 'entities/direct', name: '_entities batch of 100, interactions direct', stack: 'direct', url: (s) => s.ready.secure.subgraphs.interactions, headers: direct('interactions'), body: entities });
  if (stacks('direct-twin').length) {
    add({ id: 'entities/direct-twin', name: '_entities batch of 100, interactions bypassed, direct', stack: 'direct-twin', url: (s) => s.bypassedSubgraphs!.interactions, headers: plainClaims, body: entities });
  }
  // Rows with no twin run on a secured stack of their own (see StackOptions.side).
  const writer: StackName = stacks('side').length ? 'side' : 'secure';
  const chatIds: string[] = [];
  let appendCount = 0;
  add({
    id: 'ingestion',
    name: `transcript ingestion, ${SEGMENTS_PER_APPEND} segments per append, security on`,
    stack: writer,
    url: gatewayOf(writer),
    headers: withToken,
    // A counter of its own, so every append gets fresh sequences whatever ran before.
    body: () => append(chatIds, appendCount++),
    prepare: (s) => openChats(gatewayOf(writer)(s), s.ready, chatIds),
    itemsPerRequest: SEGMENTS_PER_APPEND,
  });
  if (stack.ready.bulk.endUsers > 0) {
    add({
      id: 'caller-id',
      name: `caller-id phone lookup among ${stack.ready.bulk.endUsers} end-users, security on`,
      stack: writer,
      url: gatewayOf(writer),
      headers: (r) => ({ 'content-type': 'application/json', authorization: `Bearer ${r.bulk.token}` }),
      // Spread over the whole tenant: 7919 is prime, so successive requests hit distant rows.
      body: (r, i) => JSON.stringify({ query: PHONE_LOOKUP, variables: { phone: bulkPhone((i * 7919) % r.bulk.endUsers) } }),
      expectRows: 1,
    });
  }
  const wanted = (s: Scenario, item: string) => (item.includes('/') ? s.id === item : s.id.includes(item) || s.name.includes(item));
  return list.filter((s) => !config.only || config.only.some((item) => wanted(s, item)));
}

async function openChats(gateway: string, ready: Ready, chatIds: string[]): Promise<void> {
  for (let k = chatIds.length; k < CHATS; k++) {
    const response = await fetch(gateway, {
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
function append(chatIds: string[], i: number): string {
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

const readyOf = (stack: Stack, scenario: Scenario) => (scenario.stack === 'baseline' ? stack.baselineReady! : stack.ready);

/** Fails loudly if the operation does not answer cleanly, so no figure is measured on errors. */
async function check(scenario: Scenario, stack: Stack): Promise<void> {
  await scenario.prepare?.(stack);
  const ready = readyOf(stack, scenario);
  const body0 = scenario.body(ready, 0);
  const response = await fetch(scenario.url(stack), { method: 'POST', headers: scenario.headers(ready, body0), body: body0 });
  const body = (await response.json()) as { errors?: unknown; data?: { endUsers?: { edges: unknown[] } } };
  if (!response.ok || body.errors || !body.data) throw new Error(`${scenario.name}: ${JSON.stringify(body).slice(0, 300)}`);
  if (scenario.expectRows !== undefined && body.data.endUsers?.edges.length !== scenario.expectRows) {
    throw new Error(`${scenario.name}: expected ${scenario.expectRows} rows, got ${body.data.endUsers?.edges.length}`);
  }
}

const counters = new Map<string, { next: number }>();
const loadOf = (scenario: Scenario, stack: Stack, seconds: number) => {
  const ready = readyOf(stack, scenario);
  const counter = counters.get(scenario.id) ?? { next: 0 };
  counters.set(scenario.id, counter);
  return { load: { url: scenario.url(stack), connections: scenario.connections, seconds, body: (i: number) => scenario.body(ready, i), headers: (body: string) => scenario.headers(ready, body) }, counter };
};
const load = (scenario: Scenario, stack: Stack, seconds: number) => {
  const { load: spec, counter } = loadOf(scenario, stack, seconds);
  return drive(spec, counter);
};

/** Warm-up slices until a slice is no more than 5% faster than the one before, or the cap. */
async function warmUp(scenario: Scenario, stack: Stack, config: BenchConfig): Promise<{ errors: number; slices: number; firstError?: string }> {
  let errors = 0;
  let firstError: string | undefined;
  let previous = 0;
  for (let slice = 1; ; slice++) {
    const warm = await load(scenario, stack, config.warmupRoundSeconds);
    errors += warm.errors;
    firstError ??= warm.firstError;
    const steady = slice > 1 && warm.requestsPerSecond <= previous * 1.05;
    if (steady || slice >= config.warmupSlices) return { errors, slices: slice, firstError };
    previous = warm.requestsPerSecond;
  }
}

/** Runs `work` with the subgraphs' process on the load generator's CPUs when the scenario asks for it. */
async function onItsCpus<T>(scenario: Scenario, stack: Stack, config: BenchConfig, work: () => Promise<T>): Promise<T> {
  const subgraphs = stack.processes.get(scenario.subgraphRole);
  if (!scenario.ownCpus || !config.pinning || !subgraphs) return work();
  pinProcess(subgraphs.pid, config.pinning.load);
  try {
    return await work();
  } finally {
    pinProcess(subgraphs.pid, config.pinning.servers);
  }
}

async function measure(scenario: Scenario, stack: Stack, config: BenchConfig, round: number): Promise<RoundResult> {
  return onItsCpus(scenario, stack, config, () => measureHere(scenario, stack, config, round));
}

/** The measured window: long enough for `minAnswers` at the rate the unmeasured second showed, within the bounds. */
function windowSeconds(config: BenchConfig, requestsPerSecond: number): number {
  const wanted = Math.ceil(config.minAnswers / Math.max(requestsPerSecond, 0.1));
  return Math.max(config.durationSeconds, Math.min(config.maxDurationSeconds, wanted));
}

/** The CPU time so far of the processes a scenario is charged with. */
function cpuOf(scenario: Scenario, stack: Stack) {
  const gateway = scenario.gatewayRole ? stack.processes.get(scenario.gatewayRole)! : undefined;
  const subgraphs = stack.processes.get(scenario.subgraphRole)!;
  return { gateway: gateway ? cpuMs(gateway.pid) : undefined, subgraphs: cpuMs(subgraphs.pid) };
}

/** A scenario's figures for one round: its load's result, and its processes' CPU over `before`-`after`. */
function roundResult(
  scenario: Scenario,
  stack: Stack,
  round: number,
  { warm, result, before, after, machine, seconds }: {
    warm: LoadResult;
    result: LoadResult;
    before: ReturnType<typeof cpuOf>;
    after: ReturnType<typeof cpuOf>;
    machine: { before: ReturnType<typeof machineTicks>; after: ReturnType<typeof machineTicks> };
    seconds: number;
  },
): RoundResult {
  const ticks = machine.after.total - machine.before.total;
  const errors = warm.errors + result.errors;
  if (errors > 0) process.stderr.write(`  ${scenario.name}: ${errors} errors, first: ${result.firstError ?? warm.firstError}\n`);
  // Too few answers in the window (a machine too busy for the duration): no CPU figure rather than a wrong one.
  const answers = result.answers >= 10 ? result.answers : NaN;
  const gateway = scenario.gatewayRole ? stack.processes.get(scenario.gatewayRole) : undefined;
  return {
    round,
    requestsPerSecond: result.requestsPerSecond,
    p50: result.p50,
    p99: result.p99,
    errors,
    gatewayCpu: before.gateway !== undefined && after.gateway !== undefined ? (after.gateway - before.gateway) / answers : undefined,
    subgraphCpu: (after.subgraphs - before.subgraphs) / answers,
    gatewayRss: gateway ? rssMb(gateway.pid) : undefined,
    subgraphRss: rssMb(stack.processes.get(scenario.subgraphRole)!.pid),
    steal: ticks > 0 ? ((machine.after.steal - machine.before.steal) / ticks) * 100 : 0,
    seconds,
  };
}

async function measureHere(scenario: Scenario, stack: Stack, config: BenchConfig, round: number): Promise<RoundResult> {
  const warm = await load(scenario, stack, config.warmupSeconds);
  const before = cpuOf(scenario, stack);
  const machineBefore = machineTicks();
  const seconds = windowSeconds(config, warm.requestsPerSecond);
  const result = await load(scenario, stack, seconds);
  const after = cpuOf(scenario, stack);
  return roundResult(scenario, stack, round, { warm, result, before, after, machine: { before: machineBefore, after: machineTicks() }, seconds });
}

/**
 * A security-cost pair in one window: after a second of unmeasured load each, the two load in
 * alternating slices, A B B A A B … (B A A B … in even rounds), so a slow spell of the machine
 * hits both alike; between slices, a pause as long as the slice's p99 latency (1 s at most) lets
 * the requests cut off in flight finish. Each is charged its own processes' CPU over the whole
 * window: they serve nothing else, and what one still does after its slice (a collection) is its
 * own. Both get the same measured seconds: the longer window of the two, in whole slices.
 */
async function measurePair(pair: [Scenario, Scenario], stack: Stack, config: BenchConfig, round: number): Promise<[RoundResult, RoundResult]> {
  const warm = [await load(pair[0], stack, config.warmupSeconds), await load(pair[1], stack, config.warmupSeconds)];
  const seconds = Math.max(...warm.map((w) => windowSeconds(config, w.requestsPerSecond)));
  // Long enough for the slower of the two to answer pairSliceAnswers per slice.
  const slowest = Math.max(0.1, Math.min(...warm.map((w) => w.requestsPerSecond)));
  const sliceSeconds = Math.min(seconds, Math.max(config.pairSliceSeconds, Math.ceil(config.pairSliceAnswers / slowest)));
  const slices = Math.max(2, Math.ceil(seconds / sliceSeconds));
  const before = pair.map((s) => cpuOf(s, stack));
  const machineBefore = machineTicks();
  const runs: RawLoad[][] = [[], []];
  for (let slice = 0; slice < slices; slice++) {
    const first = (slice + round) % 2 === 1 ? 0 : 1;
    for (const k of [first, 1 - first]) {
      const { load: spec, counter } = loadOf(pair[k], stack, sliceSeconds);
      const run = await driveRaw(spec, counter);
      runs[k].push(run);
      // The requests still in flight when the slice stopped are served before the other loads.
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, combine([run], spec).p99)));
    }
  }
  const after = pair.map((s) => cpuOf(s, stack));
  const machine = { before: machineBefore, after: machineTicks() };
  const [a, b] = ([0, 1] as const).map((k) =>
    roundResult(pair[k], stack, round, { warm: warm[k], result: combine(runs[k], { url: pair[k].url(stack), connections: pair[k].connections }), before: before[k], after: after[k], machine, seconds: slices * sliceSeconds }),
  );
  return [a, b];
}

/** The twin a scenario's security cost is measured against, when both are in the run. */
export function counterpartOf(scenario: Scenario, list: Scenario[]): Scenario | undefined {
  if (scenario.ownCpus) return undefined;
  const [kind, variant = ''] = scenario.id.split('/');
  const twin = variant === 'direct' ? 'direct-twin' : variant.startsWith('secure') && !variant.startsWith('secure-') ? variant.replace('secure', 'twin') : undefined;
  return twin ? list.find((s) => s.id === `${kind}/${twin}`) : undefined;
}

/** What one round measures in turn: a scenario alone, or (paired) a security-cost pair. */
export function units(list: Scenario[], config: BenchConfig): (Scenario | [Scenario, Scenario])[] {
  if (!config.paired) return list;
  const pairs = new Map<Scenario, [Scenario, Scenario]>();
  for (const scenario of list) {
    const twin = counterpartOf(scenario, list);
    if (twin) pairs.set(scenario, [scenario, twin]).set(twin, [scenario, twin]);
  }
  const out: (Scenario | [Scenario, Scenario])[] = [];
  const done = new Set<Scenario>();
  // A pair is measured where its first member is listed.
  for (const scenario of list) {
    if (done.has(scenario)) continue;
    const pair = pairs.get(scenario);
    (pair ?? [scenario]).forEach((s) => done.add(s));
    out.push(pair ?? scenario);
  }
  return out;
}

/** The scenarios measured longer than the default window, with their median window. */
function longer(list: Scenario[], runs: Map<string, RoundResult[]>, config: BenchConfig): string {
  return list
    .map((scenario) => ({ scenario, seconds: median((runs.get(scenario.id) ?? []).map((r) => r.seconds)) }))
    .filter(({ seconds }) => seconds > config.durationSeconds)
    .map(({ scenario, seconds }) => `${scenario.id} ${seconds} s`)
    .join(', ');
}

/**
 * On a virtual machine the hypervisor may run other guests on our CPUs ("steal"): every figure of a
 * window with much steal is slower, and CPU per request higher, for reasons outside the code.
 */
function stealLine(steals: number[]): string {
  if (!steals.length) return 'CPU steal: no measured window.';
  const sorted = [...steals].sort((a, b) => a - b);
  return `CPU steal (time the hypervisor gave to other guests, /proc/stat) over the measured windows: median ${median(sorted).toFixed(1)}%, ` +
    `${sorted[0].toFixed(1)}-${sorted[sorted.length - 1].toFixed(1)}%; a window with much steal runs slower and shows more CPU per request.`;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const fixed = (value: number | undefined, digits: number) => (value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits));

/**
 * HAProxy in front of the secured identity, on the servers' CPUs, for the reference row of a hop
 * alone; none when the servers are not pinned, or without HAProxy (the row is left out, and said).
 */
async function startHop(config: BenchConfig, stack: Stack): Promise<{ url: string; balancer: LoadBalancer } | undefined> {
  if (!config.pinning) return undefined;
  if (!haproxyBinary()) {
    process.stderr.write('HAProxy is not installed: the row of the hop through HAProxy is left out.\n');
    return undefined;
  }
  const identity = new URL(stack.ready.secure.subgraphs.identity);
  const [port] = await freePorts(1);
  const balancer = await haproxy({ identity: [Number(identity.port)] }, { identity: port });
  pinProcess(balancer.pid, config.pinning.servers);
  return { url: `http://127.0.0.1:${port}${identity.pathname}`, balancer };
}

async function main(): Promise<void> {
  const config = loadBenchConfig();
  const startedAt = new Date();
  const loads: number[] = [os.loadavg()[0]];
  const stack = await startStack(config, { twin: true, vanilla: true, baseline: Boolean(config.baseline), side: true });
  const runs = new Map<string, RoundResult[]>();
  const warmupErrors = { all: 0, own: 0 };
  const warmupSlices: number[] = [];
  let list: Scenario[] = [];
  let hop: { url: string; balancer: LoadBalancer } | undefined;
  try {
    hop = await startHop(config, stack);
    list = scenarios(config, stack, hop?.url);
    const perRound = list.length * (config.warmupSeconds + config.durationSeconds + 0.5);
    process.stderr.write(
      `${list.length} scenarios; about ${Math.ceil((list.length * (2 * config.warmupRoundSeconds + 0.5) + config.rounds * perRound) / 60)} min of load (a warm-up of 2 slices per scenario; up to ${config.warmupSlices} if still warming); ${stack.pinning}\n`,
    );
    for (const scenario of list) await check(scenario, stack);
    // A whole round, not counted, so round 1 is not the cold one (JIT, pools, caches, SQLite pages):
    // each scenario is loaded in slices until its throughput stops rising.
    for (const scenario of list) {
      const warm = await onItsCpus(scenario, stack, config, () => warmUp(scenario, stack, config));
      warmupErrors.all += warm.errors;
      if (scenario.stack !== 'vanilla' && scenario.stack !== 'baseline') warmupErrors.own += warm.errors;
      warmupSlices.push(warm.slices);
      if (warm.errors) process.stderr.write(`  warm-up, ${scenario.name}: ${warm.errors} errors, first: ${warm.firstError}\n`);
    }
    loads.push(os.loadavg()[0]);
    // Rounds interleave the scenarios, so a slow spell of the machine hits every scenario alike;
    // every other round runs them in reverse, so no scenario always follows the same one (whose
    // processes may still be collecting garbage on the shared CPU when it starts).
    const rounds = units(list, config);
    for (let round = 1; round <= config.rounds; round++) {
      for (const unit of round % 2 ? rounds : [...rounds].reverse()) {
        const measured = Array.isArray(unit) ? await measurePair(unit, stack, config, round) : [await measure(unit, stack, config, round)];
        (Array.isArray(unit) ? unit : [unit]).forEach((scenario, k) => {
          const result = measured[k];
          runs.set(scenario.id, [...(runs.get(scenario.id) ?? []), result]);
          process.stderr.write(
            `round ${round}, ${scenario.name}: ${result.requestsPerSecond.toFixed(0)} req/s, p99 ${result.p99} ms, CPU ms/req gateway ${fixed(result.gatewayCpu, 2)} subgraphs ${fixed(result.subgraphCpu, 2)}, steal ${result.steal.toFixed(1)}%\n`,
          );
        });
      }
      loads.push(os.loadavg()[0]);
    }
  } finally {
    await hop?.balancer.close();
    await stack.close();
  }
  const lines = report(config, stack, list, runs, { startedAt, loads, warmupErrors: warmupErrors.all, warmupSlices });
  process.stdout.write(lines.join('\n') + '\n');
  // The references' own failures (vanilla's default fetcher racing keep-alive resets, an older
  // checkout's) are reported in their rows; this checkout's decide the exit code.
  const own = list.filter((s) => s.stack !== 'vanilla' && s.stack !== 'baseline').map((s) => s.id);
  const errors = own.reduce((sum, id) => sum + (runs.get(id) ?? []).reduce((n, r) => n + r.errors, 0), 0);
  if (errors > 0 || warmupErrors.own > 0) process.exitCode = 1;
}

function report(
  config: BenchConfig,
  stack: Stack,
  list: Scenario[],
  runs: Map<string, RoundResult[]>,
  { startedAt, loads, warmupErrors, warmupSlices }: { startedAt: Date; loads: number[]; warmupErrors: number; warmupSlices: number[] },
): string[] {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    ...(config.quick ? ['QUICK MODE (BENCH_QUICK=1): a check that every scenario runs; its figures mean nothing.', ''] : []),
    `Run ${startedAt.toISOString()}: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${stack.ready.database}; ` +
      `load average (1 min) ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)} over the run; the run took ${((Date.now() - startedAt.getTime()) / 60_000).toFixed(1)} min.`,
    `${stack.pinning}.`,
    stealLine([...runs.values()].flat().map((r) => r.steal)),
    stack.redis
      ? 'Redis (REDIS_URL): the secured gateway caches access answers and every stack keeps its budgets there, as deployed at scale.'
      : 'No Redis (REDIS_URL unset): the secured gateway, in a process of its own, asks identity for the principal on every request, as a deployment without a shared store does.',
    `${config.durationSeconds} s measured per scenario and round (longer, up to ${config.maxDurationSeconds} s, for a scenario that would give fewer than ${config.minAnswers} answers: ${longer(list, runs, config) || 'none here'}) after ${config.warmupSeconds} s unmeasured, medians of ${config.rounds} interleaved rounds after a warm-up round ` +
      `(per scenario, slices of ${config.warmupRoundSeconds} s until the throughput stopped rising by more than 5%, at most ${config.warmupSlices}: ` +
      `${warmupSlices.length ? `${Math.min(...warmupSlices)}-${Math.max(...warmupSlices)}` : 0} slices); ${config.connections} connections unless said; ${config.endUsersPerTenant} end-users per demo tenant; ` +
      `${stack.ready.bulk.endUsers} in the bulk tenant (seeded in ${stack.ready.bulk.seedSeconds.toFixed(0)} s).` +
      (config.baseline ? ` Baseline: ${config.baseline}.` : ''),
    config.paired
      ? `Each security-cost pair (security on and its twin without access control) is measured in one window, in alternating slices (A B B A …, B A A B … every other round) of ${config.pairSliceSeconds} s or more (at least ${config.pairSliceAnswers} answers of the slower one), so a slow spell of the machine hits both alike; BENCH_PAIRED=0 measures each in a window of its own.`
      : 'Every scenario is measured in a window of its own (BENCH_PAIRED=0).',
    'Every answer is checked: errors count non-200 answers, 200 answers carrying `errors`, socket errors and timeouts (warm-ups included). ' +
      'CPU is user+system time of each process over the measured window (/proc/<pid>/stat) per answer.',
    '',
    '| scenario | conns | req/s | p50 ms | p99 ms | errors | gateway CPU ms/req | subgraphs CPU ms/req | gateway RSS MB | subgraphs RSS MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const summary = (id: string) => {
    const rs = runs.get(id);
    if (!rs?.length) return undefined;
    const gw = rs.map((r) => r.gatewayCpu).filter((v): v is number => v !== undefined && Number.isFinite(v));
    return {
      requestsPerSecond: median(rs.map((r) => r.requestsPerSecond)),
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      errors: rs.reduce((sum, r) => sum + r.errors, 0),
      gatewayCpu: gw.length ? median(gw) : undefined,
      subgraphCpu: median(rs.map((r) => r.subgraphCpu).filter(Number.isFinite)),
      gatewayRss: rs[0].gatewayRss !== undefined ? Math.max(...rs.map((r) => r.gatewayRss ?? 0)) : undefined,
      subgraphRss: Math.max(...rs.map((r) => r.subgraphRss)),
    };
  };
  for (const scenario of list) {
    const s = summary(scenario.id);
    if (!s) continue;
    const rate = scenario.itemsPerRequest
      ? `${s.requestsPerSecond.toFixed(0)} (${(s.requestsPerSecond * scenario.itemsPerRequest).toFixed(0)} segments/s)`
      : s.requestsPerSecond.toFixed(0);
    lines.push(
      `| ${scenario.name} | ${scenario.connections} | ${rate} | ${s.p50} | ${s.p99} | ${s.errors} | ${fixed(s.gatewayCpu, 2)} | ${fixed(s.subgraphCpu, 2)} | ${s.gatewayRss ?? '—'} | ${s.subgraphRss} |`,
    );
  }
  if (warmupErrors) lines.push('', `Warm-up round: ${warmupErrors} errors.`);

  /** A ratio computed per round (both scenarios of the same round), as median [min-max]. */
  const spread = (a: string, b: string, f: (x: RoundResult, y: RoundResult) => number | undefined, digits = 2, unit = '') => {
    const xs = runs.get(a) ?? [];
    const ys = runs.get(b) ?? [];
    const values = xs
      .map((x) => {
        const y = ys.find((r) => r.round === x.round);
        return y ? f(x, y) : undefined;
      })
      .filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (!values.length) return undefined;
    return `${median(values).toFixed(digits)}${unit} [${Math.min(...values).toFixed(digits)}, ${Math.max(...values).toFixed(digits)}]`;
  };
  const total = (r: RoundResult) => (r.gatewayCpu ?? 0) + r.subgraphCpu;
  const throughputCost = (x: RoundResult, y: RoundResult) => (1 - x.requestsPerSecond / y.requestsPerSecond) * 100;
  const cpuCost = (x: RoundResult, y: RoundResult) => (total(x) / total(y) - 1) * 100;
  const ratios: string[] = [];
  const push = (label: string, ...parts: (string | undefined)[]) => {
    if (parts.every((p) => p !== undefined)) ratios.push(`- ${label}`.replace(/\{(\d)\}/g, (_, k: string) => parts[Number(k)]!));
  };
  const securityPairs = [['federated', 'federated end-user'], ['single', 'single-subgraph lookup'], ...config.listSizes.map((n) => [`list${n}`, `list of ${n}`])];
  for (const [id, label] of securityPairs) {
    push(`${label}: the security layer costs {0} throughput and {1} CPU per request (gateway + subgraphs)`, spread(`${id}/secure`, `${id}/twin`, throughputCost, 1, '%'), spread(`${id}/secure`, `${id}/twin`, cpuCost, 1, '%'));
  }
  for (const connections of config.connectionsSweep.filter((c) => c !== config.connections)) {
    push(`federated end-user at ${connections} connections: the security layer costs {0} throughput and {1} CPU per request`, spread(`federated/secure@${connections}`, `federated/twin@${connections}`, throughputCost, 1, '%'), spread(`federated/secure@${connections}`, `federated/twin@${connections}`, cpuCost, 1, '%'));
  }
  for (const [id, label] of [['single', 'single-subgraph lookup straight to identity'], ['entities', '_entities batch of 100 straight to interactions']]) {
    push(`${label}: the subgraph's own share of the security layer (signed context, shield) costs {0} throughput and {1} CPU per request`, spread(`${id}/direct`, `${id}/direct-twin`, throughputCost, 1, '%'), spread(`${id}/direct`, `${id}/direct-twin`, cpuCost, 1, '%'));
  }
  for (const [id, label] of securityPairs.slice(0, 2)) {
    push(`${label}: the gateway (security on) gets {0}× the vanilla @apollo/gateway's throughput, at {1}× its gateway CPU per request (its twin without access control: {2}×)`,
      spread(`${id}/secure`, `${id}/vanilla`, (x, y) => x.requestsPerSecond / y.requestsPerSecond),
      spread(`${id}/secure`, `${id}/vanilla`, (x, y) => (x.gatewayCpu ?? NaN) / (y.gatewayCpu ?? NaN)),
      spread(`${id}/twin`, `${id}/vanilla`, (x, y) => (x.gatewayCpu ?? NaN) / (y.gatewayCpu ?? NaN)));
  }
  push('single-subgraph lookup: through the gateway {0}× the direct subgraph\'s throughput (every server on the same CPUs: a request through the gateway costs both processes\' CPU there)', spread('single/secure', 'single/direct', (x, y) => x.requestsPerSecond / y.requestsPerSecond));
  for (const connections of [...new Set([config.connections, Math.max(config.connections, ...config.connectionsSweep)])]) {
    const at = connections === config.connections ? '' : `@${connections}`;
    push(
      `single-subgraph lookup at ${connections} connections, the gateway on CPU ${config.pinning?.servers} alone and the subgraphs on CPU ${config.pinning?.load} (shared with the load generator, in both rows): through the gateway {0}× the direct subgraph's throughput; the subgraph's CPU per request through the gateway {1}× the direct one's`,
      spread(`single/secure-own${at}`, `single/direct-own${at}`, (x, y) => x.requestsPerSecond / y.requestsPerSecond),
      spread(`single/secure-own${at}`, `single/direct-own${at}`, (x, y) => x.subgraphCpu / y.subgraphCpu),
    );
    // Each reference on its own line, so a missing one (no HAProxy, BENCH_ONLY) leaves the others.
    const throughHop = (via: string, what: string) =>
      push(`the same, for reference, through ${what}: {0}× the direct subgraph's throughput`, spread(`single/${via}-own${at}`, `single/direct-own${at}`, (x, y) => x.requestsPerSecond / y.requestsPerSecond));
    throughHop('twin', 'the twin gateway (no access control)');
    throughHop('vanilla', 'the vanilla @apollo/gateway');
    throughHop('hop', 'HAProxy alone (a hop with no gateway)');
    // Capacity as deployed, each process on a host of its own: the busier of the two processes on
    // the path bounds the throughput through the gateway, the subgraph alone bounds the direct one.
    const capacity = (via: string, what: string) =>
      push(
        `the same, from CPU per request (these rows: the gateway alone on its CPU, the subgraph on the load generator's in both), ${what}: the direct subgraph's CPU over the larger of the gateway's and the subgraph's through it, {0}`,
        spread(`single/${via}-own${at}`, `single/direct-own${at}`, (x, y) => y.subgraphCpu / Math.max(x.gatewayCpu ?? NaN, x.subgraphCpu)),
      );
    capacity('secure', 'through the secured gateway');
    capacity('twin', 'through the twin');
    capacity('vanilla', 'through the vanilla @apollo/gateway');
  }
  push(
    "single-subgraph lookup, from CPU per request with every server on the same CPUs (each figure inflated by the other processes sharing the CPU): the direct subgraph's CPU over the larger of the gateway's and the subgraph's through it, {0}",
    spread('single/secure', 'single/direct', (x, y) => y.subgraphCpu / Math.max(x.gatewayCpu ?? NaN, x.subgraphCpu)),
  );
  for (const [id, label] of securityPairs.slice(0, 2)) {
    push(`${label} at ${config.connections} connections, this checkout against the baseline: {0}× the throughput, {1}× the CPU per request (gateway {2}×, subgraphs {3}×)`,
      spread(`${id}/secure`, `${id}/baseline`, (x, y) => x.requestsPerSecond / y.requestsPerSecond),
      spread(`${id}/secure`, `${id}/baseline`, (x, y) => total(x) / total(y)),
      spread(`${id}/secure`, `${id}/baseline`, (x, y) => (x.gatewayCpu ?? NaN) / (y.gatewayCpu ?? NaN)),
      spread(`${id}/secure`, `${id}/baseline`, (x, y) => x.subgraphCpu / y.subgraphCpu));
  }
  if (ratios.length) lines.push('', `Ratios, median [min, max] of the per-round ratios over ${config.rounds} rounds:`, ...ratios);
  return lines;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  });
}
