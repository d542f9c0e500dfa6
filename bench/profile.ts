import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadBenchConfig } from './config';
import { drive } from './load';
import { cpuMs } from './processes';
import { direct, FEDERATED, plainClaims, SINGLE } from './run';
import type { Ready } from './server';
import { startStack } from './stack';

/**
 * `node dist/bench/profile.js [--scenario federated|single] [--twin] [--baseline <built tree>]`: the
 * federated end-user load (or the single-subgraph lookup) at the bench's connections through the
 * secured gateway with the gateway and the identity subgraph (in a process of its own) under
 * --cpu-prof, then the same through the twin without access control (its gateway profiled) and
 * through the baseline's stack; prints each profile's
 * layer breakdown, the share of busy (non-idle) time spent in each library or part of the code,
 * counted over the load's window only (start-up and seeding left out). With --twin the secured
 * subgraphs run in one process, as the twin's do, and the functions whose self time per request
 * differs most between the two stacks are listed: where the security layer's cost goes.
 */

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const FETCH_STACK = new Set(['make-fetch-happen', 'agent-base', 'minipass', 'minipass-fetch', 'minipass-pipeline', 'minipass-collect', 'minipass-flush', 'minipass-sized', 'http-cache-semantics', 'cacache', 'socks', 'socks-proxy-agent', 'http-proxy-agent', 'https-proxy-agent', 'agentkeepalive', 'ssri', 'promise-retry', 'retry', 'negotiator']);
const EXPRESS = new Set(['express', 'body-parser', 'router', 'raw-body', 'finalhandler', 'send', 'on-finished', 'type-is', 'content-type', 'qs', 'iconv-lite', 'path-to-regexp', 'cors', 'vary', 'depd', 'media-typer', 'mime-types', 'accepts', 'parseurl', 'serve-static', 'cookie', 'statuses', 'http-errors']);

/** The package a script belongs to (`@scope/name` or `name`), from its URL. */
function packageOf(url: string): string | undefined {
  const at = url.lastIndexOf('/node_modules/');
  if (at < 0) return undefined;
  const parts = url.slice(at + '/node_modules/'.length).split('/');
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** The layer a frame's self time is charged to. */
export function layerOf(functionName: string, url: string): string | undefined {
  if (functionName === '(idle)') return undefined;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return 'V8 (program: compiler, runtime)';
  if (!url) return 'V8 builtins & native (JSON, RegExp, crypto…)';
  const pkg = packageOf(url);
  if (pkg) {
    if (pkg === 'undici') return 'undici';
    if (pkg === 'graphql') return 'graphql-js';
    if (pkg.startsWith('@apollo/')) return '@apollo/*';
    if (pkg === 'typeorm') return 'typeorm';
    if (pkg === 'mysql2' || pkg === 'better-sqlite3') return 'mysql2 / better-sqlite3';
    if (pkg === 'graphql-shield' || pkg === 'graphql-middleware') return 'graphql-shield + graphql-middleware';
    if (pkg === 'type-graphql' || pkg === 'class-validator' || pkg === 'class-transformer') return 'type-graphql + class-validator';
    if (FETCH_STACK.has(pkg)) return 'make-fetch-happen & co (agent-base, minipass…)';
    if (EXPRESS.has(pkg)) return 'express & middleware';
    if (pkg === 'node-fetch') return 'node-fetch (the Headers @apollo/gateway builds per fetch)';
    if (pkg === 'pino' || pkg === 'pino-http' || pkg.startsWith('@opentelemetry/') || pkg === 'prom-client') return 'logging & telemetry (pino, prom-client, otel)';
    if (pkg === 'jose') return 'jose';
    if (pkg.startsWith('@escape.tech/')) return 'graphql-armor';
    return `other packages`;
  }
  if (url.startsWith('node:')) {
    const module = url.slice(5);
    if (/^(_http_|http$|https$|internal\/http)/.test(module)) return 'node http';
    if (/^(net$|stream$|_stream|internal\/streams|internal\/stream_base|internal\/net|internal\/dns)/.test(module)) return 'node net & streams';
    return 'node (other internals)';
  }
  const dist = url.lastIndexOf('/dist/');
  if (dist >= 0) {
    const parts = url.slice(dist + 6).split('/');
    return `project: ${parts[0] === 'subgraphs' ? `subgraphs/${parts[1]}` : parts[0]}`;
  }
  return 'other code';
}

export interface Breakdown {
  busyMs: number;
  layers: [string, number][];
  packages: [string, number][];
  /** Self time per function (name and script), the costliest first. */
  functions: [string, number][];
  windowed: boolean;
}

/** A script's URL shortened to its package and file, or its path under dist/. */
function scriptOf(url: string): string {
  const at = url.lastIndexOf('/node_modules/');
  if (at >= 0) return url.slice(at + '/node_modules/'.length);
  const dist = url.lastIndexOf('/dist/');
  return dist >= 0 ? url.slice(dist + 6) : url;
}

/** Self time per layer (and per package), over samples taken in [from, to] (µs, monotonic), or all if none fall in it. */
export function breakdown(profile: CpuProfile, window?: { from: number; to: number }): Breakdown {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const tally = (inWindow: boolean) => {
    const layers = new Map<string, number>();
    const packages = new Map<string, number>();
    const functions = new Map<string, number>();
    let busy = 0;
    let t = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      t += profile.timeDeltas[i] ?? 0;
      if (inWindow && window && (t < window.from || t > window.to)) continue;
      const frame = frames.get(profile.samples[i])!;
      // A sample stands for the time until the next one.
      const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      const layer = layerOf(frame.functionName, frame.url);
      if (!layer) continue;
      busy += ms;
      layers.set(layer, (layers.get(layer) ?? 0) + ms);
      // Node's own modules by name, so the "other internals" share says where it goes.
      const pkg = packageOf(frame.url) ?? (frame.url.startsWith('node:') ? frame.url : layer.startsWith('project') ? layer : undefined);
      if (pkg) packages.set(pkg, (packages.get(pkg) ?? 0) + ms);
      const fn = `${frame.functionName || '(anonymous)'} ${scriptOf(frame.url)}`;
      functions.set(fn, (functions.get(fn) ?? 0) + ms);
    }
    return { busy, layers, packages, functions };
  };
  let result = tally(true);
  const windowed = Boolean(window) && result.busy > 0;
  if (!windowed) result = tally(false);
  const sorted = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1]);
  return { busyMs: result.busy, layers: sorted(result.layers), packages: sorted(result.packages), functions: sorted(result.functions), windowed };
}

function table(title: string, b: Breakdown): string[] {
  const share = (ms: number) => `${((ms / b.busyMs) * 100).toFixed(1)}%`;
  return [
    `### ${title}: ${(b.busyMs / 1000).toFixed(1)} s busy${b.windowed ? ' in the load window' : ' (whole profile: no sample matched the load window)'}`,
    '',
    '| layer | share of busy time |',
    '| --- | ---: |',
    ...b.layers.map(([layer, ms]) => `| ${layer} | ${share(ms)} |`),
    '',
    `Top packages: ${b.packages.slice(0, 12).map(([name, ms]) => `${name} ${share(ms)}`).join(', ')}`,
    '',
    `Top functions (self time): ${b.functions.slice(0, 15).map(([name, ms]) => `${name} ${share(ms)}`).join(', ')}`,
    '',
  ];
}

/**
 * Self time per request of each function in two profiles of the same load, the largest
 * differences first. A profile samples wall time: read the differences against each other, and
 * the CPU per request from /proc for the size of the whole.
 */
export function difference(nameA: string, a: Breakdown, answersA: number, nameB: string, b: Breakdown, answersB: number, top = 20): string[] {
  const perRequest = (functions: [string, number][], answers: number) => new Map(functions.map(([fn, ms]) => [fn, (ms * 1000) / Math.max(1, answers)]));
  const ma = perRequest(a.functions, answersA);
  const mb = perRequest(b.functions, answersB);
  const rows = [...new Set([...ma.keys(), ...mb.keys()])]
    .map((fn) => ({ fn, a: ma.get(fn) ?? 0, b: mb.get(fn) ?? 0 }))
    .sort((x, y) => Math.abs(y.a - y.b) - Math.abs(x.a - x.b))
    .slice(0, top);
  const total = (m: Map<string, number>) => [...m.values()].reduce((sum, v) => sum + v, 0);
  return [
    `### ${nameA} against ${nameB}: sampled self time per request, ${total(ma).toFixed(0)} against ${total(mb).toFixed(0)} µs; the ${top} largest differences`,
    '',
    `| function | ${nameA} µs | ${nameB} µs | difference |`,
    '| --- | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.fn.replaceAll('|', '\\|')} | ${r.a.toFixed(1)} | ${r.b.toFixed(1)} | ${(r.a - r.b >= 0 ? '+' : '') + (r.a - r.b).toFixed(1)} |`),
    '',
  ];
}

const now = () => Number(process.hrtime.bigint() / 1000n);

async function main(): Promise<void> {
  const config = loadBenchConfig();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-profile-'));
  const together = config.profileTwin;
  const stack = await startStack(config, { profile: { dir, together }, baseline: Boolean(config.baseline), twin: config.profileTwin });
  const query = config.profileScenario === 'single' ? SINGLE : FEDERATED;
  const profiledOf = new Map<string, string[]>();
  const windows: Record<string, { from: number; to: number; answers: number; requestsPerSecond: number; errors: number; cpu: Record<string, number> }> = {};
  try {
    // Each load: where it goes, the processes charged with its CPU, and those of them profiled.
    const identity = together ? 'subgraphs' : 'identity';
    const targets: [string, string, Ready, string[], string[]][] = [
      ['this checkout', stack.gateways.secure!, stack.ready, together ? ['gateway', 'subgraphs'] : ['gateway', 'identity', 'subgraphs'], ['gateway', identity]],
    ];
    // The single lookup straight to identity too, so its profile shows what a request through the gateway adds there.
    if (config.profileScenario === 'single') targets.push(['direct', stack.ready.secure.subgraphs.identity, stack.ready, [identity], [identity]]);
    if (stack.gateways.twin) targets.push(['twin', stack.gateways.twin, stack.ready, ['gateway-twin', 'subgraphs-bypassed'], ['gateway-twin', 'subgraphs-bypassed']]);
    // And straight to the bypassed identity: the subgraph's own share of the cost, with no gateway.
    if (config.profileScenario === 'single' && stack.bypassedSubgraphs) {
      targets.push(['direct-twin', stack.bypassedSubgraphs.identity, stack.ready, ['subgraphs-bypassed'], ['subgraphs-bypassed']]);
    }
    if (stack.gateways.baseline) {
      targets.push(['baseline', stack.gateways.baseline, stack.baselineReady!, ['gateway-baseline', 'subgraphs-baseline'], ['gateway-baseline', 'subgraphs-baseline']]);
    }
    for (const [label, url, ready, roles, files] of targets) {
      profiledOf.set(label, files);
      const body = (i: number) => JSON.stringify({ query, variables: { id: ready.endUserIds[i % ready.endUserIds.length] } });
      // The twin takes no token (its claims are fixed); straight to identity, a fresh signed context per request.
      const signed = direct('identity');
      const headers = (text: string): Record<string, string> =>
        label === 'direct'
          ? signed(ready, text)
          : label === 'direct-twin'
            ? plainClaims(ready)
            : { 'content-type': 'application/json', ...(label === 'twin' ? {} : { authorization: `Bearer ${ready.token}` }) };
      const counter = { next: 0 };
      await drive({ url, connections: config.connections, seconds: config.warmupRoundSeconds, body, headers }, counter);
      const before = Object.fromEntries(roles.map((role) => [role, cpuMs(stack.processes.get(role)!.pid)]));
      const from = now();
      const result = await drive({ url, connections: config.connections, seconds: config.profileSeconds, body, headers }, counter);
      const to = now();
      const cpu = Object.fromEntries(roles.map((role) => [role, (cpuMs(stack.processes.get(role)!.pid) - before[role]) / Math.max(1, result.answers)]));
      windows[label] = { from, to, answers: result.answers, requestsPerSecond: result.requestsPerSecond, errors: result.errors, cpu };
      process.stderr.write(`${label}: ${result.requestsPerSecond.toFixed(0)} req/s, ${result.errors} errors${result.firstError ? ` (first: ${result.firstError})` : ''}\n`);
    }
  } finally {
    // The profiles are written as the processes exit.
    await stack.close();
  }
  const lines = [
    `Profile ${new Date().toISOString()}: ${config.profileScenario === 'single' ? 'single-subgraph lookup' : 'federated end-user'}, ${config.connections} connections, ${config.profileSeconds} s under --cpu-prof; ${stack.pinning}; load average ${os.loadavg()[0].toFixed(2)}.`,
    '',
  ];
  const kept = new Map<string, Breakdown>();
  for (const [label, w] of Object.entries(windows)) {
    lines.push(`## ${label}: ${w.requestsPerSecond.toFixed(0)} req/s (profiled), ${w.errors} errors; CPU ms per request ${Object.entries(w.cpu).map(([role, ms]) => `${role} ${ms.toFixed(2)}`).join(', ')}`, '');
    for (const name of profiledOf.get(label) ?? []) {
      const file = path.join(dir, `${name}.cpuprofile`);
      if (!fs.existsSync(file)) {
        lines.push(`(no profile written for ${name})`, '');
        continue;
      }
      const title =
        name === 'subgraphs-baseline'
          ? 'baseline subgraphs (all four in one process, as that checkout runs them)'
          : name === 'subgraphs-bypassed'
            ? 'subgraphs-bypassed (all four in one process)'
            : name;
      const b = breakdown(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, w);
      kept.set(label.startsWith('direct') ? `${name} (${label})` : name, b);
      lines.push(...table(title, b));
    }
  }
  const pairs: [string, string, string, string][] = [
    ['gateway', 'this checkout', 'gateway-twin', 'twin'],
    ['subgraphs', 'this checkout', 'subgraphs-bypassed', 'twin'],
    ['subgraphs (direct)', 'direct', 'subgraphs-bypassed (direct-twin)', 'direct-twin'],
  ];
  for (const [secured, securedWindow, twin, twinWindow] of pairs) {
    const a = kept.get(secured);
    const b = kept.get(twin);
    if (a && b) lines.push(...difference(secured, a, windows[securedWindow].answers, twin, b, windows[twinWindow].answers));
  }
  // Each load's window and answer count, for comparing profiles function by function.
  fs.writeFileSync(path.join(dir, 'windows.json'), JSON.stringify(windows, null, 2));
  lines.push(`Profiles kept in ${dir} (open them in Chrome DevTools; windows.json gives each load's window).`);
  process.stdout.write(lines.join('\n') + '\n');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  });
}
