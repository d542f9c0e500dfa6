import 'reflect-metadata';
import { fork } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { seedDemoData, type DataSources, type Keyrings } from '../scripts/seed';
import { subgraphs } from '../subgraphs';
import { EndUser } from '../subgraphs/identity/entities/end-user.entity';
import { Tenant } from '../subgraphs/identity/entities/tenant.entity';
import { loadDevKeys } from '../platform/dev-keys';
import { ContextSigner, decodeSecret, requestDigest, type RequestClaims } from '../platform/contracts/signed-context';
import { loadSubgraphConfig, SUBGRAPH_NAMES } from '../subgraphs/kit/config';
import { openDataSource } from '../subgraphs/kit/data-source';
import { createSubgraphServer, openKeyring, type SubgraphServer } from '../subgraphs/kit/server';
import { startBypassedSubgraphs } from './bypassed-stack';

/**
 * What the access-control layer costs the subgraphs on lists: identity's `endUsers` page and
 * interactions' `_entities` for the same end-users (the two fetches the gateway plans for a list),
 * 50 and 100 rows, with and without the sensitive fields and transcripts, each run against the
 * secured subgraph and its bypassed twin (no signed context, no shield; bench/bypassed-stack.ts)
 * over the same SQLite data. The client is a child process, so this process's CPU time
 * (process.cpuUsage) is the subgraphs' alone. Rounds interleave every cell, secured and bypassed
 * alternately (the order flips each round), so a slow spell of a shared machine hits both alike.
 *
 *   node dist/bench/subgraph-lists.js [--rounds 8] [--requests 20] [--cpu-prof]
 */

interface Cell {
  name: string;
  subgraph: 'identity' | 'interactions';
  rows: number;
  body: (ids: string[]) => { query: string; variables?: Record<string, unknown> };
}

const identityList = (fields: string) => (rows: number) => () => ({
  query: `query List__identity__0{endUsers(first:${rows}){edges{node{__typename id ${fields}}}}}`,
});
const interactionsList = (fields: string) => (rows: number) => (ids: string[]) => ({
  query: `query List__interactions__1($representations:[_Any!]!){_entities(representations:$representations){...on EndUser{interactions(first:5){edges{node{${fields}}}}}}}`,
  variables: { representations: ids.slice(0, rows).map((id) => ({ __typename: 'EndUser', id })) },
});
const LIST = { identity: identityList('firstName lastName'), interactions: interactionsList('id channel startedAt disposition') };
const PII = {
  identity: identityList('firstName lastName email phone ssn'),
  interactions: interactionsList('id channel startedAt disposition transcript(first:5){edges{node{sequence speaker text}}}'),
};

const CELLS: Cell[] = [50, 100].flatMap((rows) =>
  (['identity', 'interactions'] as const).flatMap((subgraph) => [
    { name: `${subgraph} list of ${rows}`, subgraph, rows, body: LIST[subgraph](rows) },
    { name: `${subgraph} list of ${rows} + ssn/email/phone/transcripts`, subgraph, rows, body: PII[subgraph](rows) },
  ]),
);

interface Job {
  url: string;
  /** `signed`: a fresh gateway context per request; otherwise the bypassed twin's plain claims header. */
  mode: 'signed' | 'bypassed';
  subgraph: string;
  body: { query: string; variables?: Record<string, unknown> };
  requests: number;
}

/** The client: signs and sends the requests it is told to, one at a time, and answers the first reply. */
function client(): void {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let signer: ContextSigner | undefined;
  let claims: RequestClaims | undefined;
  const send = (job: Job): Promise<string> => {
    const text = JSON.stringify(job.body);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (job.mode === 'signed') {
      headers['x-cx-context'] = signer!.sign({ ...claims!, requestId: `bench-${Math.random().toString(36).slice(2)}` }, job.subgraph, requestDigest(job.body.query, job.body.variables));
    } else {
      headers['x-bench-claims'] = JSON.stringify(claims);
    }
    return new Promise((resolve, reject) => {
      const request = http.request(job.url, { method: 'POST', agent, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      });
      request.on('error', reject);
      request.end(text);
    });
  };
  process.on('message', async (message: { setup?: { secret: string; claims: RequestClaims }; job?: Job }) => {
    if (message.setup) {
      signer = new ContextSigner(decodeSecret(message.setup.secret, 'bench context secret'));
      claims = message.setup.claims;
      process.send!({ ready: true });
      return;
    }
    const job = message.job!;
    let first = '';
    for (let i = 0; i < job.requests; i++) {
      const answer = await send(job);
      if (i === 0) first = answer;
    }
    process.send!({ done: first });
  });
}

type Quantiles = { median: number; min: number; max: number };
const quantiles = (values: number[]): Quantiles => {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1] };
};

interface Profile {
  nodes: { id: number; callFrame: { url: string; functionName: string } }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * Self time of a CPU profile by layer (package, project file, or V8's own: GC, microtasks), in ms
 * (wall time between samples), added into `totals`. Idle time, and the inspector's own dispatch
 * that a profile taken in-process shows while the thread waits, are left out.
 */
function addLayers(profile: Profile, totals: Map<string, number>): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  profile.samples.forEach((sample, i) => {
    const { url, functionName } = byId.get(sample)!.callFrame;
    if (functionName === '(idle)' || functionName === '(program)' || (!url && functionName === 'dispatch')) return;
    let layer: string;
    const inModules = url.lastIndexOf('node_modules/');
    if (inModules >= 0) {
      const rest = url.slice(inModules + 'node_modules/'.length).split('/');
      layer = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    } else if (url.includes('/dist/')) {
      layer = url.slice(url.indexOf('/dist/') + 6).replace(/\.js$/, '');
    } else if (url.startsWith('node:')) {
      layer = 'node internals';
    } else {
      layer = url ? 'other' : `(${functionName.replace(/[()]/g, '') || 'native'})`;
    }
    totals.set(layer, (totals.get(layer) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
}

/** The layers of shield itself (graphql-shield, graphql-middleware, the project's shield). */
const SHIELD_LAYERS = ['graphql-shield', 'graphql-middleware', 'subgraphs/kit/auth/shield'];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) => {
    const at = args.indexOf(name);
    const value = at >= 0 ? Number(args[at + 1]) : fallback;
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
    return value;
  };
  const rounds = option('--rounds', 8);
  const requests = option('--requests', 20);
  const profiling = args.includes('--cpu-prof');

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-lists-'));
  const env = { NODE_ENV: 'development', DATA_DIR: path.join(root, 'data'), KEYS_DIR: path.join(root, 'keys'), LOG_LEVEL: 'silent', SEED: 'false' };
  const config = loadSubgraphConfig(env);
  const sources = {} as DataSources;
  for (const name of SUBGRAPH_NAMES) {
    const { entities, migrations } = subgraphs[name];
    sources[name] = await openDataSource({ subgraph: name, entities, migrations, dataDir: config.dataDir });
  }
  const keyrings = {} as Keyrings;
  for (const name of SUBGRAPH_NAMES) keyrings[name] = await openKeyring(subgraphs[name], sources[name], config);
  await seedDemoData(sources, keyrings, 100);

  const secured: Record<string, string> = {};
  const servers: SubgraphServer[] = [];
  for (const name of ['identity', 'interactions'] as const) {
    const server = await createSubgraphServer(subgraphs[name], { config, dataSource: sources[name] });
    secured[name] = (await server.listen(0)).url;
    servers.push(server);
  }
  const bypassed = await startBypassedSubgraphs(['identity', 'interactions'], sources, keyrings, config);
  const tenant = await sources.identity.getRepository(Tenant).findOneByOrFail({ slug: 'acme' });
  const ids = (await sources.identity.getRepository(EndUser).find({ where: { tenantId: tenant.id }, order: { id: 'ASC' } })).map((row) => row.id);
  // A supervisor: profiles and transcripts, sensitive fields whole (so every ssn read is audited).
  const claims: RequestClaims = {
    requestId: 'bench',
    tenant: { id: tenant.id, slug: tenant.slug },
    principal: { id: 'bench-supervisor', kind: 'operator', roles: ['supervisor'], scopes: [] },
    clientIp: '127.0.0.1',
    accessPolicy: { mode: 'EVERYONE', cidrs: [] },
  };

  const child = fork(__filename, ['--client'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ask = <T>(message: object, key: string) =>
    new Promise<T>((resolve) => {
      const listener = (reply: Record<string, unknown>) => {
        if (key in reply) {
          child.off('message', listener);
          resolve(reply[key] as T);
        }
      };
      child.on('message', listener);
      child.send(message);
    });
  await ask({ setup: { secret: (await loadDevKeys(config.keysDir)).contextSecret, claims } }, 'ready');

  const job = (cell: Cell, mode: Job['mode'], count: number): Job => ({
    url: mode === 'signed' ? secured[cell.subgraph] : bypassed.subgraphUrls[cell.subgraph],
    mode,
    subgraph: cell.subgraph,
    body: cell.body(ids),
    requests: count,
  });
  /** CPU ms per request of this process while the client runs `count` requests of the cell. */
  const run = async (cell: Cell, mode: Job['mode'], count: number) => {
    const before = process.cpuUsage();
    const first = await ask<string>({ job: job(cell, mode, count) }, 'done');
    const used = process.cpuUsage(before);
    return { ms: (used.user + used.system) / 1000 / count, first };
  };

  // Both stacks must give the same, complete answers, or nothing is measured.
  for (const cell of CELLS) {
    const [on, off] = [await run(cell, 'signed', 1), await run(cell, 'bypassed', 1)];
    const parsed = JSON.parse(on.first) as { data?: Record<string, { edges?: unknown[] } | unknown[]>; errors?: unknown };
    if (parsed.errors || !parsed.data) throw new Error(`${cell.name}: ${on.first.slice(0, 300)}`);
    const list = cell.subgraph === 'identity' ? (parsed.data.endUsers as { edges: unknown[] }).edges : (parsed.data._entities as unknown[]);
    if (list.length !== cell.rows) throw new Error(`${cell.name}: ${list.length} rows, expected ${cell.rows}`);
    if (on.first !== off.first) throw new Error(`${cell.name}: secured and bypassed answers differ`);
  }
  // Warm-up: every cell, both stacks, until the JIT has seen them.
  for (let i = 0; i < 2; i++) for (const cell of CELLS) for (const mode of ['signed', 'bypassed'] as const) await run(cell, mode, requests);

  const figures = new Map<string, { on: number[]; off: number[]; ratio: number[] }>();
  const loads: number[] = [os.loadavg()[0]];
  for (let round = 0; round < rounds; round++) {
    for (const cell of CELLS) {
      const order = round % 2 === 0 ? (['signed', 'bypassed'] as const) : (['bypassed', 'signed'] as const);
      const result: Record<string, number> = {};
      for (const mode of order) result[mode] = (await run(cell, mode, requests)).ms;
      const entry = figures.get(cell.name) ?? { on: [], off: [], ratio: [] };
      entry.on.push(result.signed);
      entry.off.push(result.bypassed);
      entry.ratio.push(result.signed / result.bypassed);
      figures.set(cell.name, entry);
    }
    loads.push(os.loadavg()[0]);
    process.stderr.write(`round ${round + 1}/${rounds} done, load ${os.loadavg()[0].toFixed(2)}\n`);
  }

  const lines = [
    `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, SQLite; ${rounds} interleaved rounds of ${requests} sequential requests per cell; ` +
      `load average (1 min) ${Math.min(...loads).toFixed(2)}-${Math.max(...loads).toFixed(2)}`,
    '',
    '| cell | secured CPU ms/req | bypassed CPU ms/req | secured / bypassed (median, min-max of rounds) |',
    '| --- | ---: | ---: | ---: |',
    ...[...figures].map(([name, { on, off, ratio }]) => {
      const r = quantiles(ratio);
      return `| ${name} | ${quantiles(on).median.toFixed(2)} | ${quantiles(off).median.toFixed(2)} | ${r.median.toFixed(3)} (${r.min.toFixed(3)}-${r.max.toFixed(3)}) |`;
    }),
  ];
  process.stdout.write(lines.join('\n') + '\n');

  if (profiling) {
    // Outside the repository: one profile per cell and stack, for a closer look (Chrome DevTools).
    const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-lists-profiles-'));
    process.stdout.write(`\nCPU profiles written to ${profileDir}\n`);
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    // Profiles sample wall time: on a loaded machine a descheduled thread inflates whatever it was
    // running, so shares (alternating secured and bypassed runs, added up) say more than milliseconds.
    for (const cell of CELLS.filter((c) => c.rows === 100)) {
      const totals = { signed: new Map<string, number>(), bypassed: new Map<string, number>() };
      for (let k = 0; k < 4; k++) {
        for (const mode of k % 2 === 0 ? (['signed', 'bypassed'] as const) : (['bypassed', 'signed'] as const)) {
          await session.post('Profiler.start');
          await run(cell, mode, requests);
          const { profile } = await session.post('Profiler.stop');
          if (k === 0) {
            const file = `subgraph-lists-${cell.subgraph}-${cell.name.includes('+') ? 'pii' : 'list'}-${mode}.cpuprofile`;
            fs.writeFileSync(path.join(profileDir, file), JSON.stringify(profile));
          }
          addLayers(profile as unknown as Profile, totals[mode]);
        }
      }
      const sum = (map: Map<string, number>) => [...map.values()].reduce((a, b) => a + b, 0);
      const share = (map: Map<string, number>, layer: string) => ((map.get(layer) ?? 0) / (sum(map) || 1)) * 100;
      const shieldShare = SHIELD_LAYERS.reduce((total, layer) => total + share(totals.signed, layer), 0);
      process.stdout.write(`\nCPU profile, ${cell.name}: self time by layer, % of busy samples (shield's layers in the secured run: ${shieldShare.toFixed(1)}%)\n`);
      const top = (map: Map<string, number>) => [...map].sort((x, y) => y[1] - x[1]).slice(0, 12).map(([layer]) => layer);
      const names = [...new Set([...top(totals.signed), ...top(totals.bypassed), ...SHIELD_LAYERS])];
      for (const layer of names.sort((x, y) => share(totals.signed, y) - share(totals.signed, x))) {
        process.stdout.write(`  ${layer.padEnd(52)} secured ${share(totals.signed, layer).toFixed(1).padStart(5)}%   bypassed ${share(totals.bypassed, layer).toFixed(1).padStart(5)}%\n`);
      }
    }
    session.disconnect();
  }

  child.disconnect();
  await bypassed.close();
  await Promise.all(servers.map((server) => server.close()));
  await Promise.all(Object.values(sources).map((source) => source.destroy()));
  await Promise.all(Object.values(keyrings).map((keyring) => keyring.keyStore?.destroy()));
  fs.rmSync(root, { recursive: true, force: true });
}

if (process.argv[2] === '--client') {
  client();
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  });
}
