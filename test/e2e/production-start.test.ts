import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { generateKeyPair, exportJWK } from 'jose';
import { signDevToken } from '../../gateway/auth/dev-issuer';
import { SUBGRAPH_NAMES } from '../../subgraphs/kit/config';
import { loadCoprocessorConfig } from '../../gateway/coprocessor/config';
import { eventually } from '../helpers/eventually';
import { httpClient } from '../helpers/graphql';

/**
 * The commands of README's Production section that need no database: `npm run secrets`, the
 * one-process `npm start` in production (runs with each subgraph's own key, or refuses at once),
 * and `npm run context-key`. Built once through `npm run` (ensure-built), as a user would.
 */
const ROOT = path.resolve(__dirname, '../..');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-prod-start-'));
const envDir = path.join(root, 'env');

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '' }): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT, env, maxBuffer: 1 << 24 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const read = (file: string) => Object.fromEntries(
  fs.readFileSync(path.join(envDir, file), 'utf8').split('\n').filter((line) => /^\w+=/.test(line)).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let first: Ran;
beforeAll(async () => {
  first = await run('npm', ['run', '-s', 'secrets', '--', '--out', envDir]);
}, 180_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('npm run secrets', () => {
  it('writes one owner-only file per process with every secret, the outside values left empty, and prints no secret', () => {
    expect(first.code).toBe(0);
    const files = fs.readdirSync(envDir).filter((file) => file.endsWith('.env')).sort();
    expect(files).toEqual(['common.env', 'compose.env', 'consent.env', 'coprocessor.env', 'crm.env', 'demo-crm.env', 'demo-seed.env', 'gateway.env', 'identity.env', 'interactions.env', 'mariadb.env', 'single-process.env']);
    for (const file of files) expect(fs.statSync(path.join(envDir, file)).mode & 0o077).toBe(0);
    expect(read('common.env')).toEqual({ NODE_ENV: 'production', DATABASE_URL: '', REDIS_URL: '' });
    const gateway = read('gateway.env');
    expect(gateway).toMatchObject({ JWKS_URL: '', TOKEN_ISSUER: '' });
    expect(Buffer.from(gateway.CONTEXT_SIGNING_SECRET, 'base64url')).toHaveLength(32);
    expect(JSON.parse(Buffer.from(gateway.CLIENT_TOKEN_PRIVATE_KEY, 'base64url').toString())).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    // The Router coprocessor: its own secret, which the gateway is not given; it starts from the three files once the outside values are in.
    const coprocessor = read('coprocessor.env');
    expect(Object.keys(coprocessor)).toEqual(['COPROCESSOR_SECRET']);
    expect(Buffer.from(coprocessor.COPROCESSOR_SECRET, 'base64url')).toHaveLength(32);
    expect(gateway.COPROCESSOR_SECRET).toBeUndefined();
    const outside = { REDIS_URL: 'redis://127.0.0.1:6379', JWKS_URL: 'https://idp.example.com/.well-known/jwks.json', TOKEN_ISSUER: 'https://idp.example.com/' };
    expect(loadCoprocessorConfig({ ...read('common.env'), ...gateway, ...coprocessor, ...outside }).secret).toBe(coprocessor.COPROCESSOR_SECRET);
    const keys = SUBGRAPH_NAMES.map((name) => read(`${name}.env`));
    // Each subgraph its own context key and master key; service keys only for its own links.
    expect(new Set(keys.map((k) => k.CONTEXT_KEY)).size).toBe(4);
    expect(new Set(keys.map((k) => k.MASTER_KEYS)).size).toBe(4);
    expect(keys[3].SERVICE_KEYS.split(',').map((entry) => entry.split(':')[0])).toEqual(['crm>consent', 'crm>identity', 'identity>crm']);
    const printed = first.stdout + first.stderr;
    for (const value of [gateway.CONTEXT_SIGNING_SECRET, gateway.CLIENT_TOKEN_PRIVATE_KEY, read('coprocessor.env').COPROCESSOR_SECRET, ...keys.flatMap((k) => [k.CONTEXT_KEY, k.MASTER_KEYS.split(':')[1]]), read('mariadb.env').MARIADB_PASSWORD]) {
      expect(printed).not.toContain(value);
    }
    for (const key of ['DATABASE_URL', 'REDIS_URL', 'JWKS_URL', 'TOKEN_ISSUER']) expect(printed).toContain(`${key}=`);
    // The compose database password is the one its DATABASE_URL carries.
    expect(read('compose.env').DATABASE_URL).toBe(`mysql://cx:${read('mariadb.env').MARIADB_PASSWORD}@mariadb:3306/cx`);
  });

  it('refuses to overwrite without --force, changing nothing; replaces everything with it', async () => {
    const before = fs.readFileSync(path.join(envDir, 'gateway.env'), 'utf8');
    const again = await run(process.execPath, ['dist/scripts/secrets.js', '--out', envDir]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/refusing to overwrite .*gateway\.env.*--force/);
    expect(fs.readFileSync(path.join(envDir, 'gateway.env'), 'utf8')).toBe(before);
    const other = path.join(root, 'forced');
    expect((await run(process.execPath, ['dist/scripts/secrets.js', '--out', other])).code).toBe(0);
    const forced = await run(process.execPath, ['dist/scripts/secrets.js', '--out', other, '--force']);
    expect(forced.code).toBe(0);
    expect((await run(process.execPath, ['dist/scripts/secrets.js', '--out', other, '--bogus'])).stderr).toMatch(/usage/);
  });

  it('prints the secrets only when asked', async () => {
    const printed = await run(process.execPath, ['dist/scripts/secrets.js', '--out', path.join(root, 'printed'), '--print']);
    expect(printed.stdout).toContain(fs.readFileSync(path.join(root, 'printed', 'gateway.env'), 'utf8'));
  });
});

describe('a subgraph or gateway alone in production', () => {
  it.each(SUBGRAPH_NAMES)('%s refuses at once, listing every missing value and how to produce it', async (name) => {
    const { code, stderr, stdout } = await run(process.execPath, [`dist/subgraphs/${name}/index.js`], { PATH: process.env.PATH ?? '', NODE_ENV: 'production', SUBGRAPH_HOST: '127.0.0.1', [`${name.toUpperCase()}_PORT`]: '0' });
    expect(code).toBe(1);
    for (const key of ['DATABASE_URL', 'CONTEXT_KEY', 'MASTER_KEYS', 'SERVICE_KEYS']) expect(stderr).toContain(`${key} is required in production`);
    expect(stderr).toContain(`deploy/env/${name}.env`);
    expect(stdout).not.toContain('ready');
  });

  it('the gateway refuses at once, listing every missing value', async () => {
    const { code, stderr, stdout } = await run(process.execPath, ['dist/gateway/index.js'], { PATH: process.env.PATH ?? '', NODE_ENV: 'production', PORT: '0' });
    expect(code).toBe(1);
    for (const key of ['JWKS_URL', 'TOKEN_ISSUER', 'CONTEXT_SIGNING_SECRET', 'CLIENT_TOKEN_PRIVATE_KEY']) expect(stderr).toContain(`${key} is required in production`);
    expect(stderr).toContain('REDIS_URL');
    expect(stdout).not.toContain('ready');
  });

  it('the Router coprocessor refuses at once, listing the gateway’s missing values and its own', async () => {
    const { code, stderr, stdout } = await run(process.execPath, ['dist/gateway/coprocessor/index.js'], { PATH: process.env.PATH ?? '', NODE_ENV: 'production', COPROCESSOR_PORT: '0' });
    expect(code).toBe(1);
    for (const key of ['JWKS_URL', 'TOKEN_ISSUER', 'CONTEXT_SIGNING_SECRET', 'CLIENT_TOKEN_PRIVATE_KEY', 'COPROCESSOR_SECRET']) expect(stderr).toContain(`${key} is required in production`);
    expect(stderr).toContain('coprocessor refused to start');
    expect(stdout).not.toContain('ready');
  });

  it('a subgraph given another subgraph’s keys file refuses, naming its missing links', async () => {
    const { code, stderr } = await run(process.execPath, [`--env-file=${path.join(envDir, 'crm.env')}`, 'dist/subgraphs/identity/index.js'], { PATH: process.env.PATH ?? '', NODE_ENV: 'production', DATABASE_URL: 'mysql://x@127.0.0.1:1/p', IDENTITY_PORT: '0' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/SERVICE_KEYS lacks the identity links interactions>identity, consent>identity, identity>interactions, identity>consent/);
  });
});

describe('the gateway’s start-up key check', () => {
  it('refuses to start when a subgraph holds a key of another secret, and starts when the keys match', async () => {
    const otherDir = path.join(root, 'other');
    expect((await run(process.execPath, ['dist/scripts/secrets.js', '--out', otherDir])).code).toBe(0);
    const other = (file: string) => Object.fromEntries(fs.readFileSync(path.join(otherDir, file), 'utf8').split('\n').filter((line) => /^\w+=/.test(line)).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    const [identityPort, closed] = [await freePort(), await freePort()];
    const base = { PATH: process.env.PATH ?? '', NODE_ENV: 'development', DATA_DIR: path.join(root, 'check-data'), KEYS_DIR: path.join(root, 'check-keys'), SEED: 'false', LOG_LEVEL: 'warn' };
    const identity = spawn(process.execPath, ['dist/subgraphs/identity/index.js'], {
      cwd: ROOT,
      env: { ...base, IDENTITY_PORT: String(identityPort), CONTEXT_KEY: other('identity.env').CONTEXT_KEY, SERVICE_KEYS: other('identity.env').SERVICE_KEYS },
      stdio: 'ignore',
    });
    try {
      await eventually(async () => (await fetch(`http://127.0.0.1:${identityPort}/health`).catch(() => null))?.ok === true, {
        what: 'identity to answer its health check',
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      const gatewayEnv = (secret: string) => ({
        ...base,
        LOG_LEVEL: 'info',
        PORT: '0',
        CONTEXT_SIGNING_SECRET: secret,
        IDENTITY_URL: `http://127.0.0.1:${identityPort}/graphql`,
        ...Object.fromEntries(['INTERACTIONS', 'CONSENT', 'CRM'].map((name) => [`${name}_URL`, `http://127.0.0.1:${closed}/graphql`])),
      });
      const refused = await run(process.execPath, ['dist/gateway/index.js'], gatewayEnv(read('gateway.env').CONTEXT_SIGNING_SECRET));
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("identity refused the gateway's signed context (401): its CONTEXT_KEY is not derived from this gateway's CONTEXT_SIGNING_SECRET");
      expect(refused.stdout).not.toContain('gateway ready');

      const matching = spawn(process.execPath, ['dist/gateway/index.js'], { cwd: ROOT, env: gatewayEnv(other('gateway.env').CONTEXT_SIGNING_SECRET), stdio: ['ignore', 'pipe', 'pipe'] });
      const output = await new Promise<string>((resolve) => {
        let text = '';
        matching.stdout!.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('gateway ready')) resolve(text);
        });
        matching.once('exit', () => resolve(text));
      });
      matching.kill('SIGTERM');
      expect(output).toContain('gateway ready');
      expect(output).toContain('subgraphs not answering yet');
    } finally {
      identity.kill('SIGTERM');
    }
  }, 90_000);
});

describe('npm start in production (all five servers in one process)', () => {
  async function startOne(extra: Record<string, string>): Promise<{ url?: string; ports: number[]; output: string; code: number | null; stop(): Promise<void> }> {
    const ports = await Promise.all([0, 1, 2, 3, 4].map(() => freePort()));
    const env = {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(ports[0]),
      ...Object.fromEntries(SUBGRAPH_NAMES.map((name, i) => [`${name.toUpperCase()}_PORT`, String(ports[i + 1])])),
      // Outside values: SQLite is refused in production, so a database URL that is not reached before the refusal tests.
      ...extra,
    };
    const child = spawn(process.execPath, [`--env-file=${path.join(envDir, 'common.env')}`, `--env-file=${path.join(envDir, 'single-process.env')}`, 'dist/scripts/start.js'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const url = await new Promise<string | undefined>((resolve) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Gateway ready at (\S+)/.exec(output);
        if (match) resolve(match[1]);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      void exited.then(() => resolve(undefined));
    });
    return {
      url,
      ports,
      get output() {
        return output;
      },
      code: child.exitCode,
      async stop() {
        if (child.exitCode === null) child.kill('SIGTERM');
        await exited;
      },
    };
  }

  it('refuses at once when given one subgraph’s CONTEXT_KEY and SERVICE_KEYS, saying what to do, with every other problem', async () => {
    const identity = read('identity.env');
    const started = await startOne({ CONTEXT_KEY: identity.CONTEXT_KEY, SERVICE_KEYS: identity.SERVICE_KEYS });
    await started.stop();
    expect(started.url).toBeUndefined();
    expect(started.output).toContain("CONTEXT_KEY and SERVICE_KEYS hold one subgraph's keys, but npm start runs all four subgraphs in one process");
    expect(started.output).toContain('set CONTEXT_SIGNING_SECRET');
    for (const key of ['DATABASE_URL', 'JWKS_URL', 'TOKEN_ISSUER', 'REDIS_URL']) expect(started.output).toContain(key);
    expect(started.output).not.toContain(identity.CONTEXT_KEY);
  }, 60_000);

  if (!process.env.DATABASE_URL) return;
  it('runs with each subgraph’s key derived from the master secret: a query across all four subgraphs answers, no 401', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'k' };
    const http = await import('node:http');
    const jwks = http.createServer((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `/s${Date.now().toString(36)}`;
    const started = await startOne({
      DATABASE_URL: url.toString(),
      ACCESS_CACHE_TTL_MS: '0',
      JWKS_URL: `http://127.0.0.1:${(jwks.address() as net.AddressInfo).port}/`,
      TOKEN_ISSUER: 'https://idp.single.test/',
    });
    try {
      expect(started.url).toBeDefined();
      expect(started.output).not.toContain('seeded');
      const sign = async (claims: { tenant?: string; roles?: string[]; platform?: boolean }) =>
        signDevToken({ ...(await exportJWK(privateKey)), alg: 'ES256', kid: 'k' }, { issuer: 'https://idp.single.test/', audience: 'cx-gateway', subject: 's', ...claims });
      const gateway = started.url!.replace('localhost', '127.0.0.1');
      expect((await httpClient(gateway, await sign({ platform: true })).send('mutation { createTenant(input: { slug: "single", name: "Single", deployment: PUBLIC_CLOUD, region: "eu-west-1" }) { slug } }')).errors).toBeUndefined();
      const admin = await sign({ tenant: 'single', roles: ['admin'] });
      const created = await httpClient(gateway, admin).send('mutation { createEndUser(input: { firstName: "Sam", lastName: "One", email: "sam@example.org" }) { id } }');
      expect(created.errors).toBeUndefined();
      const read = await httpClient(gateway, admin).send(`{ endUser(id: "${created.data.createEndUser.id}") { firstName interactions(first: 1) { edges { cursor } } consents(first: 1) { edges { cursor } } crmLinks(first: 1) { edges { cursor } } } }`);
      expect(read).toEqual({ status: 200, data: { endUser: { firstName: 'Sam', interactions: { edges: [] }, consents: { edges: [] }, crmLinks: { edges: [] } } } });

      // The Router coprocessor from the generated files, in front of the same subgraphs, as Router calls it.
      const coprocessorPort = await freePort();
      const subgraphUrl = (name: string) => `http://127.0.0.1:${started.ports[SUBGRAPH_NAMES.indexOf(name as never) + 1]}/graphql`;
      const coprocessor = spawn(process.execPath, [`--env-file=${path.join(envDir, 'common.env')}`, `--env-file=${path.join(envDir, 'gateway.env')}`, `--env-file=${path.join(envDir, 'coprocessor.env')}`, 'dist/gateway/coprocessor/index.js'], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          COPROCESSOR_PORT: String(coprocessorPort),
          ACCESS_CACHE_TTL_MS: '0',
          JWKS_URL: `http://127.0.0.1:${(jwks.address() as net.AddressInfo).port}/`,
          TOKEN_ISSUER: 'https://idp.single.test/',
          ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`${name.toUpperCase()}_URL`, subgraphUrl(name)])),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        const ready = await new Promise<string>((resolve) => {
          let text = '';
          const onData = (chunk: Buffer) => {
            text += chunk.toString();
            if (text.includes('coprocessor ready')) resolve(text);
          };
          coprocessor.stdout!.on('data', onData);
          coprocessor.stderr!.on('data', onData);
          coprocessor.once('exit', () => resolve(text));
        });
        expect(ready).toContain('coprocessor ready');
        expect(ready).not.toContain('subgraphs not answering');
        const secret = /^COPROCESSOR_SECRET=(.+)$/m.exec(fs.readFileSync(path.join(envDir, 'coprocessor.env'), 'utf8'))![1];
        const endpoint = `http://127.0.0.1:${coprocessorPort}/coprocessor/${secret}`;
        const post = async (payload: object) => (await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) })).json() as Promise<any>;
        const id = 'c0ffee00c0ffee00c0ffee00c0ffee00';
        const admitted = await post({ version: 1, stage: 'RouterRequest', control: 'continue', id, headers: { authorization: [`Bearer ${admin}`], 'x-forwarded-for': ['203.0.113.5'] }, method: 'POST' });
        expect(admitted.control).toBe('continue');
        const body = {
          query: 'query P__identity__0($representations:[_Any!]!){_entities(representations:$representations){...on EndUser{firstName}}}',
          variables: { representations: [{ __typename: 'EndUser', id: created.data.createEndUser.id }] },
        };
        const signed = await post({ version: 1, stage: 'SubgraphRequest', control: 'continue', id, subgraphRequestId: 'd00d', headers: {}, body, context: admitted.context, serviceName: 'identity', uri: subgraphUrl('identity'), method: 'POST' });
        expect(signed.control).toBe('continue');
        const headers = Object.fromEntries(Object.entries(signed.headers as Record<string, string[]>).map(([name, values]) => [name, values.join(', ')]));
        const answer = await (await fetch(subgraphUrl('identity'), { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
        expect(answer).toEqual({ data: { _entities: [{ firstName: 'Sam' }] } });
      } finally {
        coprocessor.kill('SIGTERM');
      }
    } finally {
      await started.stop();
      jwks.close();
      const { createConnection } = await import('mysql2/promise');
      const { mysqlTarget } = await import('../../subgraphs/kit/data-source');
      const target = mysqlTarget(url.toString(), 'identity');
      const connection = await createConnection({ host: target.host, port: target.port, user: target.username, password: target.password });
      for (const name of SUBGRAPH_NAMES) {
        await connection.query(`DROP DATABASE IF EXISTS \`${mysqlTarget(url.toString(), name).database}\``);
        await connection.query(`DROP DATABASE IF EXISTS \`${mysqlTarget(url.toString(), name).database}_keys\``);
      }
      await connection.end();
    }
  }, 120_000);
});

describe('npm run context-key', () => {
  const contextKey = (args: string[], env: Record<string, string>) => run(process.execPath, ['dist/scripts/context-key.js', ...args], { PATH: process.env.PATH ?? '', KEYS_DIR: path.join(root, 'dev-keys'), ...env });

  it('refuses without the real secret instead of quietly deriving from the development one', async () => {
    for (const env of [{}, { NODE_ENV: 'production' }] as Record<string, string>[]) {
      const refused = await contextKey(['identity'], env);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(/CONTEXT_SIGNING_SECRET (is not set|is required in production)/);
    }
    const production = await contextKey(['identity', '--dev'], { NODE_ENV: 'production' });
    expect(production.code).toBe(1);
    expect(production.stdout).toBe('');
    expect((await contextKey(['identity', '--dev'], {})).stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect((await contextKey(['identity'], { CONTEXT_SIGNING_SECRET: 'short' })).stderr).toMatch(/at least 32 bytes/);
  });

  it('prints, from the real secret, exactly the keys npm run secrets wrote', async () => {
    const secret = read('gateway.env').CONTEXT_SIGNING_SECRET;
    for (const name of SUBGRAPH_NAMES) {
      expect((await contextKey([name], { NODE_ENV: 'production', CONTEXT_SIGNING_SECRET: secret })).stdout).toBe(`${read(`${name}.env`).CONTEXT_KEY}\n`);
      expect((await contextKey([name, '--links'], { NODE_ENV: 'production', CONTEXT_SIGNING_SECRET: secret })).stdout).toBe(`${read(`${name}.env`).SERVICE_KEYS}\n`);
    }
  });
});
