import 'reflect-metadata';
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { loadGatewayConfig } from '../gateway/config';
import { signDevToken } from '../gateway/auth/dev-issuer';
import { startStack } from '../scripts/stack';
import { loadBenchConfig } from './config';
import { loadDevKeys } from '../platform/dev-keys';
import { loadSubgraphConfig } from '../subgraphs/kit/config';

/**
 * Live transcripts under load: `node dist/bench/live.js` (after `npm run build`). The stack runs in
 * this process (one gateway, the in-process live channel, or Redis with REDIS_URL); the
 * subscribers and the appender run in a child process, so one clock times append → delivery.
 *   BENCH_LIVE_SUBSCRIBERS (1000) over BENCH_LIVE_INTERACTIONS (200), BENCH_LIVE_RATE appends/s (100)
 *   for BENCH_DURATION seconds (10) per phase.
 */
const bench = loadBenchConfig();
const SUBSCRIBERS = bench.live.subscribers;
const INTERACTIONS = bench.live.interactions;
const RATE = bench.live.rate;
const SECONDS = bench.durationSeconds;
const CONCURRENCY = bench.connections;

interface Setup {
  gatewayUrl: string;
  agent: string;
  supervisor: string;
}

const APPEND = 'mutation($id: ID!, $s: [TranscriptSegmentInput!]!) { appendTranscriptSegments(interactionId: $id, segments: $s) { appended } }';
const SUBSCRIBE = 'subscription($id: ID!, $from: Int) { transcriptSegmentsAdded(interactionId: $id, fromSequence: $from) { sequence text } }';

async function post(setup: Setup, query: string, variables: Record<string, unknown>) {
  const response = await fetch(setup.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${setup.agent}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors).slice(0, 300));
  return body.data;
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);

/** The child: subscribers and appender. */
async function clients(setup: Setup): Promise<void> {
  const ids: string[] = [];
  for (let i = 0; i < INTERACTIONS; i++) {
    const data = await post(setup, 'mutation { recordInteraction(input: { channel: CHAT, direction: INBOUND, transcript: [{ sequence: 1, speaker: END_USER, text: "hello" }] }) { id } }', {});
    ids.push(data.recordInteraction.id);
  }
  const next = ids.map(() => 2);
  const sentAt = new Map<string, number>();
  const answeredAt = new Map<string, number>();

  /** Appends for `seconds`, at `rate` per second (0: as fast as `CONCURRENCY` callers go). */
  async function appendFor(seconds: number, rate: number) {
    const end = Date.now() + seconds * 1000;
    let count = 0;
    let turn = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (Date.now() < end) {
          if (rate > 0) {
            const due = started + (count / rate) * 1000;
            if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
            if (Date.now() >= end) break;
          }
          const index = turn++ % ids.length;
          const sequence = next[index]++;
          const key = `${ids[index]}:${sequence}`;
          count += 1;
          sentAt.set(key, performance.now());
          await post(setup, APPEND, { id: ids[index], s: [{ sequence, speaker: 'AGENT', text: `line ${sequence} card 4111 1111 1111 1111` }] });
          answeredAt.set(key, performance.now());
        }
      }),
    );
    return count / ((Date.now() - started) / 1000);
  }

  const baseline = await appendFor(SECONDS, 0);

  // Subscribers: each on its own connection, interactions in turn; ready once its stored segment arrives.
  const fromSent: number[] = [];
  const fromAnswered: number[] = [];
  const pendingAnswers: { key: string; at: number }[] = [];
  let delivered = 0;
  let measuring = false;
  const sockets: WebSocket[] = [];
  let ready = 0;
  // Connected 50 at a time, as clients arrive (1,000 at once would ask identity 1,000 times before its first answer is cached).
  const connectOne = (i: number) =>
      new Promise<void>((resolve, reject) => {
        const index = i % ids.length;
        const socket = new WebSocket(setup.gatewayUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
        sockets.push(socket);
        let isReady = false;
        socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${setup.supervisor}` } })));
        socket.on('error', reject);
        socket.on('close', (code, reason) => { if (!isReady) reject(new Error(`closed ${code} ${reason}`)); });
        socket.on('message', (raw) => {
          const frame = JSON.parse(raw.toString());
          if (frame.type === 'connection_ack') {
            socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIBE, variables: { id: ids[index], from: next[index] - 2 } } }));
          } else if (frame.type === 'next') {
            const segment = frame.payload.data?.transcriptSegmentsAdded;
            if (!segment) return reject(new Error(JSON.stringify(frame.payload).slice(0, 300)));
            if (!isReady) {
              isReady = true;
              ready += 1;
              return resolve();
            }
            if (!measuring) return;
            const key = `${ids[index]}:${segment.sequence}`;
            const now = performance.now();
            delivered += 1;
            fromSent.push(now - sentAt.get(key)!);
            const answered = answeredAt.get(key);
            if (answered === undefined) pendingAnswers.push({ key, at: now });
            else fromAnswered.push(Math.max(0, now - answered));
          } else if (frame.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
        });
      });
  for (let i = 0; i < SUBSCRIBERS; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, SUBSCRIBERS - i) }, (_, j) => connectOne(i + j)));
  }

  const phase = async (rate: number) => {
    fromSent.length = 0;
    fromAnswered.length = 0;
    pendingAnswers.length = 0;
    delivered = 0;
    measuring = true;
    const started = Date.now();
    const appendsPerSecond = await appendFor(SECONDS, rate);
    await new Promise((r) => setTimeout(r, 500));
    measuring = false;
    const seconds = (Date.now() - started) / 1000;
    // Deliveries seen before their append answered: latency from the answer is 0 for them.
    for (const { key, at } of pendingAnswers) fromAnswered.push(Math.max(0, at - (answeredAt.get(key) ?? at)));
    const sortedSent = [...fromSent].sort((a, b) => a - b);
    const sortedAnswered = [...fromAnswered].sort((a, b) => a - b);
    return {
      appendsPerSecond: Math.round(appendsPerSecond),
      deliveriesPerSecond: Math.round(delivered / seconds),
      delivered,
      p50FromAppendSentMs: Math.round(percentile(sortedSent, 50)),
      p99FromAppendSentMs: Math.round(percentile(sortedSent, 99)),
      p50FromAppendAnsweredMs: Math.round(percentile(sortedAnswered, 50)),
      p99FromAppendAnsweredMs: Math.round(percentile(sortedAnswered, 99)),
    };
  };
  const paced = await phase(RATE);
  const saturated = await phase(0);
  for (const socket of sockets) socket.close(1000);
  process.send!({
    result: {
      subscribers: ready,
      interactions: INTERACTIONS,
      secondsPerPhase: SECONDS,
      appendConcurrency: CONCURRENCY,
      appendThroughputWithoutSubscribers: Math.round(baseline),
      paced: { targetAppendsPerSecond: RATE, ...paced },
      saturated,
    },
  });
}

async function main(): Promise<void> {
  if (process.argv[2] === 'clients') {
    process.once('message', (setup: Setup) => void clients(setup).catch((error: unknown) => {
      process.stderr.write(`bench clients failed: ${(error as Error).stack}\n`);
      process.exit(1);
    }));
    return;
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-bench-live-'));
  const env = {
    NODE_ENV: 'development', DATA_DIR: path.join(root, 'data'), KEYS_DIR: path.join(root, 'keys'), LOG_LEVEL: 'silent', SEED: 'false',
    RATE_LIMIT_REQUESTS: '1000000000', RATE_LIMIT_COST: '1000000000000',
    ...(bench.redisUrl ? { REDIS_URL: bench.redisUrl } : {}),
  };
  const subgraphConfig = loadSubgraphConfig(env);
  const gatewayConfig = loadGatewayConfig(env);
  const stack = await startStack({ subgraphConfig, gatewayConfig, freePorts: true, seed: true, seedEndUsers: 5 });
  const keys = await loadDevKeys(subgraphConfig.keysDir);
  const token = (subject: string, roles: string[]) =>
    signDevToken(keys.accessToken.privateJwk, { issuer: gatewayConfig.tokenIssuer, audience: gatewayConfig.tokenAudience, subject, tenant: 'acme', roles, ttlSeconds: 3600 });
  const setup: Setup = { gatewayUrl: stack.gatewayUrl, agent: await token('bench-agent', ['agent']), supervisor: await token('bench-supervisor', ['supervisor']) };
  const child = fork(__filename, ['clients']);
  child.send(setup);
  const result = await new Promise((resolve, reject) => {
    child.on('message', (message: { result?: unknown }) => message.result && resolve(message.result));
    child.on('exit', (code) => reject(new Error(`clients exited ${code}`)));
  });
  process.stdout.write(JSON.stringify({ database: subgraphConfig.databaseUrl ? 'mysql' : 'sqlite', channel: env.REDIS_URL ? 'redis' : 'in-process', cpus: os.cpus().length, ...(result as object) }, null, 2) + '\n');
  child.kill();
  await stack.close();
  fs.rmSync(root, { recursive: true, force: true });
  process.exit(0);
}

void main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
