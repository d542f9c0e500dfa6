import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { SubgraphName } from '../../subgraphs/kit/config';
import { buildTree } from './server-processes';

const ROOT = path.resolve(__dirname, '../..');

/** The gateway's entry point compiled by tsc, as deployed (from the shared build of the tree). */
export async function buildGateway(): Promise<{ entry: string; cleanup(): void }> {
  const tree = await buildTree();
  return { entry: path.join(tree.dir, 'gateway/index.js'), cleanup: tree.cleanup };
}

export interface GatewayProcess {
  url: string;
  close(): Promise<void>;
}

/** The gateway alone in a node process of its own, as deployed, on a free port. */
export async function spawnGateway(entry: string, options: { keysDir: string; subgraphUrls: Record<SubgraphName, string>; env?: Record<string, string> }): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      KEYS_DIR: options.keysDir,
      SUPERGRAPH_PATH: path.join(ROOT, 'schema/supergraph.graphql'),
      ...Object.fromEntries(Object.entries(options.subgraphUrls).map(([name, url]) => [`${name.toUpperCase()}_URL`, url])),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'gateway ready' && entry.url) resolve(entry.url);
        } catch {
          // Not a whole JSON line yet.
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`gateway exited (${code}) before it was ready:\n${output.slice(-2000)}`)));
  });
  // Keep draining its output so it never blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();
  return { url, close: () => stop(child) };
}

/** Runs a command to its end; its exit code and everything it printed. */
export function run(command: string, args: string[], env?: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
