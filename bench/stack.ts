import path from 'node:path';
import type { BenchConfig } from './config';
import type { GatewayKind, GatewayStart } from './gateway';
import { affinityOf, pinSelf, reply, startProcess, stopProcess, type BenchProcess } from './processes';
import type { Ready, ServerStart } from './server';

export interface StackOptions {
  /**
   * Profile mode: these processes run under --cpu-prof into `dir`, with identity alone in its
   * process, or (`together`) the four secured subgraphs in one process as the twin's run.
   */
  profile?: { dir: string; together?: boolean };
  /** Which reference stacks to start besides the secured one. */
  twin?: boolean;
  vanilla?: boolean;
  baseline?: boolean;
  /**
   * A second secured gateway and subgraphs process over the same database, for the rows the twin
   * has no counterpart for (ingestion's writes, the bulk tenant's lookups): the secured processes
   * compared with the twin's then serve the same requests as the twin's, and carry no other heap.
   */
  side?: boolean;
}

export interface Stack {
  ready: Ready;
  gateways: Partial<Record<GatewayKind | 'baseline' | 'side', string>>;
  bypassedSubgraphs?: Record<string, string>;
  baselineReady?: Ready;
  /**
   * By role: `seed` (seeds the database and serves nothing), `gateway`, `gateway-twin`, `gateway-vanilla`,
   * `gateway-baseline`, `gateway-side`, `subgraphs`, `subgraphs-bypassed`, `subgraphs-baseline`, `subgraphs-side`; in profile mode
   * with identity alone, `identity` (which seeds) and `subgraphs` (the other three).
   */
  processes: Map<string, BenchProcess>;
  /** How the processes are pinned, checked with taskset; for the output. */
  pinning: string;
  /** Whether the secured stack shares state in Redis (access answers cached at the gateway). */
  redis: boolean;
  close(): Promise<void>;
}

const ALL = ['identity', 'interactions', 'consent', 'crm'] as const;

/** Starts the bench's processes; the runner (this process) is pinned to the load generator's CPUs. */
export async function startStack(config: BenchConfig, options: StackOptions = {}): Promise<Stack> {
  const processes = new Map<string, BenchProcess>();
  const cpus = config.pinning?.servers;
  const own = path.join(__dirname);
  const profiled = (name: string) =>
    options.profile ? ['--cpu-prof', `--cpu-prof-dir=${options.profile.dir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
  const start = (role: string, script: string, extra: { execArgv?: string[]; env?: Record<string, string | undefined>; cwd?: string } = {}) => {
    // The libraries run as deployed (the image sets NODE_ENV=production): graphql-js then takes its
    // plain `instanceof` instead of its development check on every type test. Each server's own
    // configuration is still the explicit development one it is handed (bench/server.ts), with
    // development keys, so no production secrets are needed.
    const env = { ...(extra.env ?? config.childEnv), NODE_ENV: 'production' };
    const proc = startProcess(role, script, { cpus, execArgv: [...config.nodeOptions, ...(extra.execArgv ?? [])], env, cwd: extra.cwd });
    processes.set(role, proc);
    return proc;
  };
  // Outside profile mode the seeding process serves nothing: the secured subgraphs then start in a
  // fresh process as their twins do, instead of carrying the seeding's heap (and its garbage
  // collections) into the measured windows.
  const split = Boolean(options.profile && !options.profile.together);
  const seedRole = split ? 'identity' : 'seed';
  // Gateways before subgraphs, and the seeding process (which drops a MySQL database) last.
  const rank = (role: string) => (role.startsWith('gateway') ? 0 : role === seedRole ? 2 : 1);
  const close = async () => {
    const order = [...processes.keys()].sort((a, b) => rank(a) - rank(b));
    for (const role of order) await stopProcess(processes.get(role)!);
  };
  try {
    if (config.pinning) pinSelf(config.pinning.load);
    const seeding = start(seedRole, path.join(own, 'server.js'), { execArgv: split ? profiled(seedRole) : [] });
    const ready = await reply<Ready>(seeding, 'ready', {
      start: {
        stack: 'secure',
        seed: true,
        subgraphs: split ? ['identity'] : [],
        endUsersPerTenant: config.endUsersPerTenant,
        // A profile needs no caller-id tenant.
        lookupEndUsers: options.profile ? 0 : config.lookupEndUsers,
      } satisfies ServerStart,
    });
    const subgraphUrls = { ...ready.secure.subgraphs };
    const waits: Promise<unknown>[] = [];
    {
      const rest = start('subgraphs', path.join(own, 'server.js'), { execArgv: options.profile?.together ? profiled('subgraphs') : [] });
      waits.push(
        reply<{ subgraphUrls: Record<string, string> }>(rest, 'subgraphUrls', {
          start: { stack: 'secure', seed: false, env: ready.env, subgraphs: split ? ['interactions', 'consent', 'crm'] : [...ALL] } satisfies ServerStart,
        }).then((answer) => Object.assign(subgraphUrls, answer.subgraphUrls)),
      );
    }
    let sideSubgraphs: Record<string, string> | undefined;
    if (options.side) {
      const side = start('subgraphs-side', path.join(own, 'server.js'));
      waits.push(
        reply<{ subgraphUrls: Record<string, string> }>(side, 'subgraphUrls', {
          start: { stack: 'secure', seed: false, env: ready.env, subgraphs: [...ALL] } satisfies ServerStart,
        }).then((answer) => (sideSubgraphs = answer.subgraphUrls)),
      );
    }
    let bypassedSubgraphs: Record<string, string> | undefined;
    if (options.twin || options.vanilla) {
      const bypassed = start('subgraphs-bypassed', path.join(own, 'server.js'), { execArgv: options.twin ? profiled('subgraphs-bypassed') : [] });
      waits.push(
        reply<{ subgraphUrls: Record<string, string> }>(bypassed, 'subgraphUrls', {
          start: { stack: 'bypassed', seed: false, env: ready.env } satisfies ServerStart,
        }).then((answer) => (bypassedSubgraphs = answer.subgraphUrls)),
      );
    }
    let baselineReady: Ready | undefined;
    if (options.baseline && config.baseline) {
      const tree = path.resolve(config.baseline);
      // The baseline's own bench seeds its own database (same size, no bulk tenant) with its own code.
      const env = { ...config.childEnv, BENCH_LOOKUP_END_USERS: '0', BENCH_END_USERS: String(config.endUsersPerTenant) };
      const server = start('subgraphs-baseline', path.join(tree, 'dist/bench/server.js'), { execArgv: profiled('subgraphs-baseline'), env, cwd: tree });
      // Older checkouts answer unprompted; newer ones wait for this message.
      waits.push(
        reply<Ready>(server, 'ready', { start: { stack: 'secure', seed: true, endUsersPerTenant: config.endUsersPerTenant, lookupEndUsers: 0 } satisfies ServerStart }).then(
          (answer) => (baselineReady = answer),
        ),
      );
    }
    await Promise.all(waits);

    const gateways: Stack['gateways'] = {};
    const gateway = async (role: string, kind: GatewayKind, startMessage: GatewayStart, tree?: string) => {
      const script = tree ? path.join(tree, 'dist/bench/gateway.js') : path.join(own, 'gateway.js');
      const proc = start(role, script, { execArgv: profiled(role), cwd: tree, env: tree ? { ...config.childEnv } : undefined });
      const answer = await reply<{ gateways: Record<string, string> }>(proc, 'gateways', startMessage);
      return answer.gateways[kind];
    };
    const claims = ready.claims;
    gateways.secure = await gateway('gateway', 'secure', { env: ready.env, subgraphUrls: subgraphUrls as never, bypassedSubgraphUrls: (bypassedSubgraphs ?? {}) as never, claims, kind: 'secure' });
    if (sideSubgraphs) {
      gateways.side = await gateway('gateway-side', 'secure', { env: ready.env, subgraphUrls: sideSubgraphs as never, bypassedSubgraphUrls: {} as never, claims, kind: 'secure' });
    }
    if (options.twin && bypassedSubgraphs) {
      gateways.twin = await gateway('gateway-twin', 'twin', { env: ready.env, subgraphUrls: {} as never, bypassedSubgraphUrls: bypassedSubgraphs as never, claims, kind: 'twin' });
    }
    if (options.vanilla && bypassedSubgraphs) {
      gateways.vanilla = await gateway('gateway-vanilla', 'vanilla', { env: ready.env, subgraphUrls: {} as never, bypassedSubgraphUrls: bypassedSubgraphs as never, claims, kind: 'vanilla' });
    }
    if (baselineReady) {
      const b = baselineReady;
      gateways.baseline = await gateway(
        'gateway-baseline',
        'secure',
        { env: b.env, subgraphUrls: b.secure.subgraphs as never, bypassedSubgraphUrls: b.bypassed.subgraphs as never, claims: b.claims, kind: 'secure' },
        path.resolve(config.baseline!),
      );
    }
    return { ready: { ...ready, secure: { subgraphs: subgraphUrls } }, gateways, bypassedSubgraphs, baselineReady, processes, pinning: describePinning(config, processes), redis: Boolean(ready.env.REDIS_URL), close };
  } catch (error) {
    await close();
    throw error;
  }
}

function describePinning(config: BenchConfig, processes: Map<string, BenchProcess>): string {
  if (!config.pinning) return 'not pinned (BENCH_PIN=0 or a single CPU): servers and load generator share every CPU';
  const servers = [...new Set([...processes.values()].map((p) => affinityOf(p.pid)))].join(' / ');
  return `servers pinned (taskset) to CPU ${servers}, load generator (autocannon, in the runner) to CPU ${affinityOf(process.pid)}`;
}
