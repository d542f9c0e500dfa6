import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { eventually } from './eventually';
import { run } from './gateway-process';

const ROOT = path.resolve(__dirname, '../..');

const TREE_SOURCES = ['platform', 'gateway', 'subgraphs', 'scripts'];
const TREE_SETTINGS = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

/** A digest of everything a build of the tree depends on: the sources, the settings, the compiler. */
function treeDigest(): string {
  const hash = createHash('sha256').update(require('typescript/package.json').version as string);
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? walk(full) : entry.name.endsWith('.ts') ? [full] : [];
    });
  const files = [...TREE_SOURCES.flatMap((folder) => walk(path.join(ROOT, folder))).sort(), ...TREE_SETTINGS.map((f) => path.join(ROOT, f))];
  for (const file of files) hash.update(path.relative(ROOT, file)).update('\0').update(fs.readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

/**
 * Every entry point compiled by tsc (tsconfig.build.json), as deployed, under dist/ so node_modules
 * resolve. Built once for a given state of the sources: the test files that run built processes
 * share it (across jest workers, by a lock directory), and a later run with the same sources reuses it.
 */
export async function buildTree(): Promise<{ dir: string; cleanup(): void }> {
  const keep = { cleanup: () => undefined };
  fs.mkdirSync(path.join(ROOT, 'dist'), { recursive: true });
  const dir = path.join(ROOT, 'dist', `test-tree-${treeDigest()}`);
  const complete = path.join(dir, '.complete');
  const lock = `${dir}.lock`;
  const built = await eventually(
    () => {
      if (fs.existsSync(complete)) return true;
      try {
        fs.mkdirSync(lock);
        return 'ours';
      } catch {
        // Another worker builds it; a lock left by a killed run is taken over after a while.
        const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
        if (age > 5 * 60_000) fs.rmSync(lock, { recursive: true, force: true });
        return false;
      }
    },
    // Longer than a stale lock's age, so that one is always taken over.
    { timeoutMs: 10 * 60_000, intervalMs: 200, what: `the build of ${path.basename(dir)} by another worker` },
  );
  if (built === true) return { dir, ...keep };
  try {
    for (const entry of fs.readdirSync(path.join(ROOT, 'dist'))) {
      const old = path.join(ROOT, 'dist', entry);
      // Trees of sources as they were an hour ago and more: nobody runs them any more.
      if (/^test-(tree|gateway)-/.test(entry) && old !== dir && !entry.endsWith('.lock') && Date.now() - fs.statSync(old).mtimeMs > 3_600_000) {
        fs.rmSync(old, { recursive: true, force: true });
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir);
    const tsconfig = path.join(dir, 'tsconfig.json');
    fs.writeFileSync(
      tsconfig,
      JSON.stringify({
        extends: path.join(ROOT, 'tsconfig.build.json'),
        compilerOptions: { outDir: dir, sourceMap: false, incremental: false, typeRoots: [path.join(ROOT, 'node_modules/@types')] },
        include: TREE_SOURCES.map((folder) => path.join(ROOT, folder)),
      }),
    );
    const { code, output } = await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', tsconfig]);
    if (code !== 0) throw new Error(`tsc failed:\n${output}`);
    fs.writeFileSync(complete, new Date().toISOString());
    return { dir, ...keep };
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** Ports nobody listens on right now (the kernel's choice), for processes that need theirs up front. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve) => {
      const server = net.createServer();
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** Whether something accepts connections on the port. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Whether this process may listen on the port (nothing holds it any more). */
export function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export interface ServerProcess {
  child: ChildProcess;
  output: () => string;
  /** JSON log lines printed so far. */
  records: () => Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitFor(test: (output: string) => boolean, what: string): Promise<void>;
  kill(): void;
}

/** A node (or npm) process with its output kept; `detached` puts it in a process group of its own. */
export function spawnProcess(command: string, args: string[], options: { env: Record<string, string>; cwd?: string; detached?: boolean }): ServerProcess {
  const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let done = false;
  const exit = new AbortController();
  void exited.then(() => {
    done = true;
    exit.abort(new Error('the process exited'));
  });
  return {
    child,
    output: () => output,
    records: () =>
      output.split('\n').flatMap((line) => {
        try {
          const parsed = JSON.parse(line) as unknown;
          return parsed && typeof parsed === 'object' ? [parsed as Record<string, unknown>] : [];
        } catch {
          return [];
        }
      }),
    exited,
    waitFor: async (test, what) => {
      await eventually(() => test(output), { timeoutMs: 30_000, intervalMs: 50, what, signal: exit.signal, detail: () => output.slice(-3000) });
    },
    kill: () => {
      if (!done) child.kill('SIGKILL');
    },
  };
}

export interface HeldRequest {
  /** Sends the rest of the body; the response follows. */
  release(): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }>;
}

/**
 * A POST whose headers the server has taken (it answered 100 Continue, so the request is in
 * flight there) and whose body is held back until `release`: a request provably in progress
 * across whatever the server does meanwhile, with no timing involved.
 */
export function heldPost(url: string, payload: unknown, headers: Record<string, string> = {}): Promise<HeldRequest> {
  const body = Buffer.from(JSON.stringify(payload));
  const target = new URL(url);
  return new Promise((resolveHeld, rejectHeld) => {
    const response = new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }>((resolve, reject) => {
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          agent: false,
          headers: { 'content-type': 'application/json', 'content-length': String(body.length), expect: '100-continue', ...headers },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => {
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // Not JSON: kept as text for the assertion message.
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
          });
          res.on('error', reject);
        },
      );
      req.on('error', (error) => {
        reject(error);
        rejectHeld(error);
      });
      req.once('continue', () => {
        req.write(body.subarray(0, Math.floor(body.length / 2)));
        resolveHeld({
          release: () => {
            req.end(body.subarray(Math.floor(body.length / 2)));
            return response;
          },
        });
      });
    });
    response.catch(() => undefined);
  });
}
