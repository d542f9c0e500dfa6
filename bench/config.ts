import os from 'node:os';
import { ConfigError } from '../subgraphs/kit/config';

export interface BenchConfig {
  /** A short run that checks every scenario works (BENCH_QUICK=1 or --quick); its figures mean nothing. */
  quick: boolean;
  /** Measured seconds per scenario and round (`npm run bench`). */
  durationSeconds: number;
  /**
   * A scenario too slow to give this many answers in `durationSeconds` is measured longer (up to
   * `maxDurationSeconds`), so a collection or two in its window does not decide its figure.
   */
  minAnswers: number;
  maxDurationSeconds: number;
  /** The same setting for the live and scale-out benches, whose default is longer. */
  otherBenchSeconds: number;
  /** Unmeasured seconds of the same load right before each measurement (pools, JIT, caches). */
  warmupSeconds: number;
  /** Seconds per slice of the warm-up round that runs before round 1 and is not counted. */
  warmupRoundSeconds: number;
  /**
   * At most this many warm-up slices per scenario: slices repeat while the throughput still rises
   * by more than 5% from one to the next (JIT tiers, pools, caches), so round 1 is not a cold one.
   */
  warmupSlices: number;
  connections: number;
  /** The federated query is also measured at these connection counts. */
  connectionsSweep: number[];
  /** Lists of this many end-users (with interactions, transcripts and `ssn`), security on and off. */
  listSizes: number[];
  /**
   * Each security-cost pair (security on and its twin) measured in alternating slices of the same
   * window (A B B A …) instead of one window each (BENCH_PAIRED=0 for the latter): a slow spell of a
   * shared machine then hits both alike. Slices last `pairSliceSeconds` at least, longer for a slow
   * scenario (each gives `pairSliceAnswers` answers or more: the requests in flight when a slice
   * stops are paid for and not answered).
   */
  paired: boolean;
  pairSliceSeconds: number;
  pairSliceAnswers: number;
  /** Interleaved repetitions of every scenario; figures are medians, ratios carry their spread. */
  rounds: number;
  endUsersPerTenant: number;
  /**
   * End-users of the extra tenant `bulk`, for the caller-id lookup scenario (0 to skip). Seeding
   * costs milliseconds per end-user (each gets its own keys): 20,000 keeps a full run within 17 minutes.
   */
  lookupEndUsers: number;
  /** Runs the stack on MySQL/MariaDB (databases of its own, dropped afterwards) instead of SQLite. */
  databaseUrl?: string;
  redisUrl?: string;
  /**
   * Only these scenarios (comma-separated): an item with a `/` is a scenario id (`single/secure`,
   * `single/baseline`), any other a part of the id or the name (`single`, `list of 50`).
   */
  only?: string[];
  /** Extra Node flags for the server processes, e.g. --cpu-prof. */
  nodeOptions: string[];
  /** A built checkout (its dist/bench) measured in the same run, interleaved: the "before" of a change. */
  baseline?: string;
  /** CPU list (taskset syntax) for the servers and for the load generator; none when pinning is off. */
  pinning?: { servers: string; load: string };
  /** Profile mode (bench/profile.js): seconds of federated load under --cpu-prof. */
  profileSeconds: number;
  /** Profile mode: the query profiled (`federated`, or `single` for the single-subgraph lookup). */
  profileScenario: 'federated' | 'single';
  /** Profile mode: the twin gateway without access control is profiled under the same load too. */
  profileTwin: boolean;
  /** The environment handed to a baseline's own bench processes (they read their settings from it). */
  childEnv: Record<string, string | undefined>;
  /** The live bench: subscribers spread over interactions, and the append rate (per second). */
  live: { subscribers: number; interactions: number; rate: number };
}

function positive(raw: string | undefined, fallback: number, key: string): number {
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${key} must be a positive integer`);
  return value;
}

function list(raw: string | undefined, fallback: number[], key: string): number[] {
  if (raw === undefined || raw === '') return fallback;
  return raw.split(',').map((item) => positive(item.trim(), 0, key));
}

/** `--name value` or `--name=value` among the arguments, else undefined; `--name` alone is "1". */
function flag(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) return argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[i + 1] : '1';
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return undefined;
}

function profileScenario(raw: string | undefined): BenchConfig['profileScenario'] {
  if (raw === undefined || raw === '' || raw === 'federated') return 'federated';
  if (raw === 'single') return 'single';
  throw new ConfigError('BENCH_PROFILE_SCENARIO (--scenario) must be federated or single');
}

const CPU_LIST = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

/** Load generator on the last CPU, servers on the others (on one CPU there is nothing to split). */
function pinning(env: Record<string, string | undefined>, cpus: number): BenchConfig['pinning'] {
  if (env.BENCH_PIN === '0') return undefined;
  const servers = env.BENCH_SERVER_CPUS || (cpus > 1 ? (cpus > 2 ? `0-${cpus - 2}` : '0') : undefined);
  const load = env.BENCH_LOAD_CPUS || (cpus > 1 ? String(cpus - 1) : undefined);
  if (!servers || !load) return undefined;
  for (const [key, value] of [['BENCH_SERVER_CPUS', servers], ['BENCH_LOAD_CPUS', load]]) {
    if (!CPU_LIST.test(value)) throw new ConfigError(`${key} must be a CPU list such as 0 or 0-2,4`);
  }
  return { servers, load };
}

/** The benchmark's settings; the only place bench/ reads the environment and the command line. */
export function loadBenchConfig(env: Record<string, string | undefined> = process.env, argv: string[] = process.argv.slice(2)): BenchConfig {
  const quick = env.BENCH_QUICK === '1' || flag(argv, 'quick') === '1';
  return {
    quick,
    durationSeconds: positive(env.BENCH_DURATION, quick ? 3 : 5, 'BENCH_DURATION'),
    minAnswers: positive(env.BENCH_MIN_ANSWERS, quick ? 1 : 150, 'BENCH_MIN_ANSWERS'),
    maxDurationSeconds: positive(env.BENCH_MAX_DURATION, quick ? 3 : 30, 'BENCH_MAX_DURATION'),
    otherBenchSeconds: positive(env.BENCH_DURATION, 10, 'BENCH_DURATION'),
    warmupSeconds: positive(env.BENCH_WARMUP, 1, 'BENCH_WARMUP'),
    warmupRoundSeconds: positive(env.BENCH_WARMUP_ROUND, quick ? 1 : 2, 'BENCH_WARMUP_ROUND'),
    warmupSlices: positive(env.BENCH_WARMUP_SLICES, quick ? 1 : 6, 'BENCH_WARMUP_SLICES'),
    connections: positive(env.BENCH_CONNECTIONS, 10, 'BENCH_CONNECTIONS'),
    connectionsSweep: list(env.BENCH_CONNECTIONS_SWEEP, [1, 10, 50], 'BENCH_CONNECTIONS_SWEEP'),
    listSizes: list(env.BENCH_LIST_SIZES, [5, 20, 50, 100], 'BENCH_LIST_SIZES'),
    paired: env.BENCH_PAIRED !== '0',
    pairSliceSeconds: positive(env.BENCH_PAIR_SLICE, quick ? 1 : 2, 'BENCH_PAIR_SLICE'),
    pairSliceAnswers: positive(env.BENCH_PAIR_SLICE_ANSWERS, quick ? 1 : 100, 'BENCH_PAIR_SLICE_ANSWERS'),
    rounds: positive(env.BENCH_ROUNDS, quick ? 1 : 3, 'BENCH_ROUNDS'),
    endUsersPerTenant: positive(env.BENCH_END_USERS, 200, 'BENCH_END_USERS'),
    lookupEndUsers: env.BENCH_LOOKUP_END_USERS === '0' ? 0 : positive(env.BENCH_LOOKUP_END_USERS, quick ? 2_000 : 20_000, 'BENCH_LOOKUP_END_USERS'),
    databaseUrl: env.DATABASE_URL || undefined,
    /** The scale-out bench's shared Redis. */
    redisUrl: env.REDIS_URL || undefined,
    only: env.BENCH_ONLY ? env.BENCH_ONLY.split(',').map((item) => item.trim()).filter(Boolean) : undefined,
    nodeOptions: (env.BENCH_NODE_OPTIONS ?? '').split(' ').filter(Boolean),
    baseline: flag(argv, 'baseline') ?? (env.BENCH_BASELINE || undefined),
    pinning: pinning(env, os.cpus().length),
    profileSeconds: positive(env.BENCH_PROFILE_SECONDS, quick ? 3 : 20, 'BENCH_PROFILE_SECONDS'),
    profileScenario: profileScenario(flag(argv, 'scenario') ?? env.BENCH_PROFILE_SCENARIO),
    profileTwin: (flag(argv, 'twin') ?? env.BENCH_PROFILE_TWIN) === '1',
    childEnv: { ...env },
    live: {
      subscribers: positive(env.BENCH_LIVE_SUBSCRIBERS, 1000, 'BENCH_LIVE_SUBSCRIBERS'),
      interactions: positive(env.BENCH_LIVE_INTERACTIONS, 200, 'BENCH_LIVE_INTERACTIONS'),
      rate: positive(env.BENCH_LIVE_RATE, 100, 'BENCH_LIVE_RATE'),
    },
  };
}
