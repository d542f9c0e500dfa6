import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/shared/config';
import { run } from './gateway-process';

const ROOT = path.resolve(__dirname, '../..');

/** Compiles the gateway's and every subgraph's entry point with tsc, under dist/ so node_modules resolve. */
export async function buildServices(): Promise<{ entries: Record<SubgraphName | 'gateway', string>; cleanup(): void }> {
  fs.mkdirSync(path.join(ROOT, 'dist'), { recursive: true });
  const outDir = fs.mkdtempSync(path.join(ROOT, 'dist', 'test-scale-out-'));
  const tsconfig = path.join(outDir, 'tsconfig.json');
  const files = ['gateway/index.ts', ...SUBGRAPH_NAMES.map((name) => `subgraphs/${name}/index.ts`)].map((file) => path.join(ROOT, file));
  fs.writeFileSync(
    tsconfig,
    JSON.stringify({ extends: path.join(ROOT, 'tsconfig.build.json'), compilerOptions: { outDir, sourceMap: false, incremental: false, typeRoots: [path.join(ROOT, 'node_modules/@types')] }, files, include: [] }),
  );
  const { code, output } = await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', tsconfig]);
  if (code !== 0) throw new Error(`tsc failed:\n${output}`);
  const entries = Object.fromEntries([
    ['gateway', path.join(outDir, 'gateway/index.js')],
    ...SUBGRAPH_NAMES.map((name) => [name, path.join(outDir, `subgraphs/${name}/index.js`)]),
  ]) as Record<SubgraphName | 'gateway', string>;
  return { entries, cleanup: () => fs.rmSync(outDir, { recursive: true, force: true }) };
}

export interface ServiceProcess {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  /** SIGKILL: no drain, no goodbye. */
  kill(): Promise<void>;
  close(): Promise<void>;
}

/** One service in a node process of its own on a free port; resolves once it logs that it is ready. */
export async function spawnService(name: string, entry: string, env: Record<string, string>): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', LOG_LEVEL: 'info', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.url && /ready$/.test(entry.msg ?? '')) resolve(entry.url);
        } catch {
          // Not a whole JSON line yet.
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${output.slice(-2000)}`)));
  });
  child.stdout!.resume();
  child.stderr!.resume();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    return exited;
  };
  return { name, port: Number(new URL(url).port), url, child, kill: () => signal('SIGKILL'), close: () => signal('SIGTERM') };
}

/** A port free now (for a listener that is not ours to start on port 0, such as HAProxy's). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface LoadBalancer {
  close(): Promise<void>;
}

/**
 * HAProxy in front of every service's instances: round robin, health checks on /health every
 * 200 ms, a failed connection sent to the other instance (the request was not delivered, so this
 * never repeats a write).
 */
export async function haproxy(backends: Record<string, number[]>, ports: Record<string, number>): Promise<LoadBalancer> {
  const config = [
    'global',
    '  maxconn 4000',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  retries 2',
    '  option redispatch',
    '  option httpchk GET /health',
    '  default-server inter 200ms fall 1 rise 1',
    ...Object.entries(backends).flatMap(([name, servers]) => [
      `frontend ${name}`,
      `  bind 127.0.0.1:${ports[name]}`,
      `  default_backend ${name}-instances`,
      `backend ${name}-instances`,
      '  balance roundrobin',
      ...servers.map((port, i) => `  server ${name}${i + 1} 127.0.0.1:${port} check`),
    ]),
  ].join('\n');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-haproxy-'));
  const file = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(file, `${config}\n`);
  const child = spawn('haproxy', ['-f', file, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Ready once every front end accepts connections.
  for (const port of Object.values(ports)) {
    for (let attempt = 0; ; attempt++) {
      if (child.exitCode !== null) throw new Error(`haproxy exited:\n${output}`);
      if (await connects(port)) break;
      if (attempt > 100) throw new Error(`haproxy did not listen on ${port}:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    async close() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}
