import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Processes and a load balancer for a scaled-out topology on one machine (the scale-out test and
 * bench/scale-out.ts): each service a node process of its own, HAProxy in front.
 */
const ROOT = path.resolve(__dirname, '..', fs.existsSync(path.resolve(__dirname, '../package.json')) ? '' : '..');

export interface ServiceProcess {
  name: string;
  port: number;
  url: string;
  child: ChildProcess;
  /** Its last logged errors (at most 50). */
  recentErrors: string[];
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
  // Keeps draining its output (a full pipe would block it), and its last error lines for a post-mortem.
  const recentErrors: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!/"level":(50|60)|Error/.test(line)) continue;
      recentErrors.push(line.slice(0, 1_000));
      if (recentErrors.length > 50) recentErrors.shift();
    }
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    return exited;
  };
  return { name, port: Number(new URL(url).port), url, child, recentErrors, kill: () => signal('SIGKILL'), close: () => signal('SIGTERM') };
}

/**
 * `count` distinct ports free now, for listeners that cannot start on port 0 and report back
 * (HAProxy's front ends, and the instances it is configured with before they start). All are held
 * open until every one is chosen, so no two are the same.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** HAProxy where Debian installs it (under /usr/sbin, which a non-root PATH may lack); null if it is not there. */
export function haproxyBinary(): string | null {
  return ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((file) => fs.existsSync(file)) ?? null;
}

export interface LoadBalancer {
  /** HAProxy's process, to pin it (bench/run.ts). */
  pid: number;
  close(): Promise<void>;
}

/**
 * HAProxy in front of every service's instances: round robin, health checks on /health every
 * 250 ms (out after three misses), a failed connection sent to the other instance (the request was not delivered, so this
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
    '  option httpchk GET /health/ready',
    // A check slow under load must not take the only instance out: three misses in a row do.
    '  timeout check 2s',
    '  default-server inter 250ms fall 3 rise 2',
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
  const binary = haproxyBinary() ?? 'haproxy';
  const child = spawn(binary, ['-f', file, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
    pid: child.pid!,
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
