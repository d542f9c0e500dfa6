import { z } from 'zod';

/**
 * Reading settings from the environment with zod. A configuration is read inside `readConfig`,
 * which collects every problem and throws them together, each naming its variable and how to
 * fix it. Outside it, the readers throw at the first problem.
 *
 * A new setting is one line in the loader: `int(env, 'MY_SETTING_MS', 1000, 0, 60_000)`, or
 * `setting(env, 'MY_SETTING', schema, fallback, 'how to produce it')` for anything else.
 */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(found: string | string[]) {
    const problems = typeof found === 'string' ? [found] : found;
    super(problems.length === 1 ? problems[0] : `${problems.length} configuration problems:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export type Env = Record<string, string | undefined>;

let problems: string[] | undefined;

/** Records a problem (or throws it, outside `readConfig`). */
export function problem(message: string): void {
  if (problems) problems.push(message);
  else throw new ConfigError([message]);
}

/** Runs a configuration loader, reporting every problem it meets at once (an error thrown by `read` is not caught). */
export function readConfig<T>(read: () => T): T {
  const outer = problems;
  const found: string[] = [];
  problems = found;
  try {
    const value = read();
    // Nested (several loaders read together): the outermost reports them all.
    if (outer) outer.push(...found);
    else if (found.length) throw new ConfigError(found);
    return value;
  } finally {
    problems = outer;
  }
}

const present = (raw: string | undefined): raw is string => raw !== undefined && raw !== '';

/** A variable checked by `schema`; unset or empty gives `fallback`. `hint` says how to produce a good value. */
export function setting<T>(env: Env, key: string, schema: z.ZodType<T>, fallback: T, hint?: string): T {
  const raw = env[key];
  if (!present(raw)) return fallback;
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  problem(`${key} ${result.error.issues[0]?.message ?? 'is invalid'}${hint ? `: ${hint}` : ''}`);
  return fallback;
}

/** Like `setting`, but required when `needed` (production, usually): missing is a problem naming `hint`. */
export function required<T>(env: Env, key: string, schema: z.ZodType<T>, needed: boolean, hint: string): T | undefined {
  if (needed && !present(env[key])) {
    problem(`${key} is required in production: ${hint}`);
    return undefined;
  }
  return setting<T | undefined>(env, key, schema, undefined, hint);
}

const integer = (min: number, max: number, message: string) =>
  z.string().trim().regex(/^-?\d+$/, message).transform(Number).pipe(z.number().int().min(min, message).max(max, message));

export function port(env: Env, key: string, fallback: number): number {
  return setting(env, key, integer(0, 65535, 'must be a port number (0-65535)'), fallback);
}

export function int(env: Env, key: string, fallback: number, min: number, max: number): number {
  return setting(env, key, integer(min, max, `must be an integer from ${min} to ${max}`), fallback);
}

/** A positive integer with no upper bound. */
export function count(env: Env, key: string, fallback: number): number {
  return setting(env, key, integer(1, Number.MAX_SAFE_INTEGER, 'must be a positive integer'), fallback);
}

export function bool(env: Env, key: string, fallback: boolean): boolean {
  const schema = z
    .string()
    .transform((raw) => raw.trim().toLowerCase())
    .pipe(z.enum(['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off'], 'must be true or false'))
    .transform((raw) => ['1', 'true', 'yes', 'on'].includes(raw));
  return setting(env, key, schema, fallback);
}

/** Comma-separated, trimmed, empty entries dropped. */
export function list(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((item) => item.trim()).filter(Boolean);
}

export const schemas = {
  /** A secret of at least 32 random bytes, base64url (what `npm run secrets` writes). */
  secret: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url')
    .refine((value) => Buffer.from(value, 'base64url').length >= 32, 'must be at least 32 bytes, base64url-encoded'),
  httpUrl: z.string().trim().regex(/^https?:\/\/[^\s/]+/i, 'must be an http(s) URL'),
  mysqlUrl: z.string().trim().regex(/^mysql:\/\/[^\s/]+/i, 'must be a mysql:// URL'),
  redisUrl: z.string().trim().regex(/^rediss?:\/\/[^\s/]+/i, 'must be a redis:// or rediss:// URL'),
  /** `id:key[,id:key…]`, 32-byte base64url keys, as LocalMasterKeys reads them. */
  masterKeys: z
    .string()
    .trim()
    .refine(
      (value) => list(value).length > 0 && list(value).every((entry) => {
        const [id, key, extra] = entry.split(':');
        return /^[A-Za-z0-9_-]{1,32}$/.test(id ?? '') && extra === undefined && /^[A-Za-z0-9_-]+$/.test(key ?? '') && Buffer.from(key, 'base64url').length === 32;
      }),
      'must be id:key[,id:key…] with 32-byte base64url keys',
    ),
  /** A private ES256 JWK, as JSON or base64url-encoded JSON (what `npm run secrets` writes: no quoting needed); read as JSON. */
  privateEcJwk: z.string().transform((value, context) => {
    const trimmed = value.trim();
    try {
      const json = trimmed.startsWith('{') ? trimmed : Buffer.from(trimmed, 'base64url').toString('utf8');
      const jwk = JSON.parse(json) as Record<string, unknown>;
      if (jwk.kty === 'EC' && jwk.crv === 'P-256' && ['x', 'y', 'd'].every((part) => typeof jwk[part] === 'string')) return json;
    } catch {
      // Reported below.
    }
    context.addIssue({ code: 'custom', message: 'must be a private ES256 (P-256) JWK, JSON or base64url-encoded JSON' });
    return z.NEVER;
  }),
};

/** For entry points: a configuration, or its problems on stderr and exit 1 (no stack trace to read past). */
export function configOrExit<T>(load: () => T, what: string): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${what} refused to start: ${error.message}\n`);
    process.exit(1);
  }
}

/** How a missing or bad secret is produced, named in the error. */
export const SECRETS_HINT = 'run `npm run secrets` and start with the generated deploy/env files';
