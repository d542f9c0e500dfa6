import { ConfigError } from '../subgraphs/kit/config';

export interface BenchConfig {
  /** Seconds per scenario, after a short warm-up. */
  durationSeconds: number;
  connections: number;
  /** Interleaved repetitions of every scenario; figures are medians. */
  rounds: number;
  endUsersPerTenant: number;
  /** End-users of the extra tenant `bulk`, for the caller-id lookup scenario (0 to skip). */
  lookupEndUsers: number;
  /** Runs the stack on MySQL/MariaDB (a database of its own, dropped afterwards) instead of SQLite. */
  databaseUrl?: string;
  redisUrl?: string;
  /** Only scenarios whose name contains this. */
  only?: string;
  /** Extra Node flags for the server process, e.g. --cpu-prof. */
  nodeOptions: string[];
  /** The live bench: subscribers spread over interactions, and the append rate (per second). */
  live: { subscribers: number; interactions: number; rate: number };
}

function positive(raw: string | undefined, fallback: number, key: string): number {
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${key} must be a positive integer`);
  return value;
}

/** The benchmark's settings; the only place bench/ reads the environment. */
export function loadBenchConfig(env: Record<string, string | undefined> = process.env): BenchConfig {
  return {
    durationSeconds: positive(env.BENCH_DURATION, 10, 'BENCH_DURATION'),
    connections: positive(env.BENCH_CONNECTIONS, 10, 'BENCH_CONNECTIONS'),
    rounds: positive(env.BENCH_ROUNDS, 3, 'BENCH_ROUNDS'),
    endUsersPerTenant: positive(env.BENCH_END_USERS, 200, 'BENCH_END_USERS'),
    lookupEndUsers: env.BENCH_LOOKUP_END_USERS === '0' ? 0 : positive(env.BENCH_LOOKUP_END_USERS, 100_000, 'BENCH_LOOKUP_END_USERS'),
    databaseUrl: env.DATABASE_URL || undefined,
    /** The scale-out bench's shared Redis. */
    redisUrl: env.REDIS_URL || undefined,
    only: env.BENCH_ONLY || undefined,
    nodeOptions: (env.BENCH_NODE_OPTIONS ?? '').split(' ').filter(Boolean),
    live: {
      subscribers: positive(env.BENCH_LIVE_SUBSCRIBERS, 1000, 'BENCH_LIVE_SUBSCRIBERS'),
      interactions: positive(env.BENCH_LIVE_INTERACTIONS, 200, 'BENCH_LIVE_INTERACTIONS'),
      rate: positive(env.BENCH_LIVE_RATE, 100, 'BENCH_LIVE_RATE'),
    },
  };
}
