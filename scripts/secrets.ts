import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import { contextKeyFor } from '../platform/contracts/signed-context';
import { SUBGRAPH_NAMES } from '../subgraphs/kit/config';
import { LocalMasterKeys } from '../subgraphs/kit/crypto/master-keys';
import { formatServiceKeys } from '../subgraphs/kit/service-client';
import { writeDemoCertificate } from './demo-certificate';

const USAGE = 'usage: npm run secrets -- [--out deploy/env] [--force] [--demo] [--print]';

/** Values that come from outside: each file's placeholder, and what to put there. */
const OUTSIDE = [
  { file: 'common.env', key: 'DATABASE_URL', what: 'mysql://user:password@db-host:3306/cx (MySQL 8 or MariaDB; one database per subgraph, cx_<subgraph>, created if missing)' },
  { file: 'common.env', key: 'REDIS_URL', what: 'redis://redis-host:6379 (access versions, rate limits)' },
  { file: 'gateway.env', key: 'JWKS_URL', what: "your identity provider's JWKS, e.g. https://idp.example.com/.well-known/jwks.json" },
  { file: 'gateway.env', key: 'TOKEN_ISSUER', what: 'the `iss` of its access tokens, e.g. https://idp.example.com/' },
];

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

function envFile(title: string, entries: [string, string][], notes: string[] = []): string {
  const outside = (key: string) => OUTSIDE.find((entry) => entry.key === key);
  return [
    `# ${title}`,
    '# Written by `npm run secrets`; keep it out of version control and images.',
    ...notes.map((note) => `# ${note}`),
    ...entries.flatMap(([key, value]) => (outside(key) ? [`# from outside: ${outside(key)!.what}`, `${key}=${value}`] : [`${key}=${value}`])),
    '',
  ].join('\n');
}

/**
 * The files `npm run secrets` writes, by name: a complete production environment, one file per process,
 * every secret generated: the gateway's context master secret and client-token key, each
 * subgraph's own CONTEXT_KEY and SERVICE_KEYS (derived from it, as the gateway derives them), and
 * each subgraph's own MASTER_KEYS. What must come from outside is left empty, so a process started
 * without it refuses, naming it. Secrets go to the files only, unless --print.
 */
export async function secretFiles(options: { demo: boolean }): Promise<Record<string, string>> {
  const master = randomBytes(32);
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const clientJwk = { ...(await exportJWK(privateKey)), alg: 'ES256', kid: `cx-client-${randomBytes(6).toString('hex')}`, use: 'sig' };
  const databasePassword = randomBytes(24).toString('base64url');
  const masterKeys = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, LocalMasterKeys.generate(`${name}1`)]));
  const files: Record<string, string> = {
    'common.env': envFile('Every process', [
      ['NODE_ENV', 'production'],
      ['DATABASE_URL', ''],
      ['REDIS_URL', ''],
    ]),
    'gateway.env': envFile('The gateway (node dist/gateway/index.js)', [
      ['CONTEXT_SIGNING_SECRET', b64(master)],
      ['CLIENT_TOKEN_PRIVATE_KEY', Buffer.from(JSON.stringify(clientJwk)).toString('base64url')],
      ['JWKS_URL', ''],
      ['TOKEN_ISSUER', ''],
      ['TOKEN_AUDIENCE', 'cx-gateway'],
    ]),
    'coprocessor.env': envFile(
      'The Apollo Router coprocessor (node dist/gateway/coprocessor/index.js), after common.env and gateway.env',
      [['COPROCESSOR_SECRET', b64(randomBytes(32))]],
      ['Give the Router the same value (deploy/router/router.yaml reads COPROCESSOR_SECRET); the gateway does not need it.'],
    ),
    ...Object.fromEntries(
      SUBGRAPH_NAMES.map((name) => [
        `${name}.env`,
        envFile(`The ${name} subgraph (node dist/subgraphs/${name}/index.js)`, [
          ['CONTEXT_KEY', b64(contextKeyFor(master, name))],
          ['SERVICE_KEYS', formatServiceKeys(master, name)],
          // Its own: a subgraph broken into cannot unwrap another's data keys.
          ['MASTER_KEYS', masterKeys[name]],
        ]),
      ]),
    ),
    'single-process.env': envFile('All five servers in one process (npm start), with common.env', [
      ['CONTEXT_SIGNING_SECRET', b64(master)],
      ['CLIENT_TOKEN_PRIVATE_KEY', Buffer.from(JSON.stringify(clientJwk)).toString('base64url')],
      // The same master keys as the separate processes', so the data reads whichever way it runs.
      ...SUBGRAPH_NAMES.map((name) => [`${name.toUpperCase()}_MASTER_KEYS`, masterKeys[name]] as [string, string]),
      ['JWKS_URL', ''],
      ['TOKEN_ISSUER', ''],
    ], ['Each subgraph derives its keys from CONTEXT_SIGNING_SECRET; never add CONTEXT_KEY or SERVICE_KEYS here.']),
    // docker-compose.yml: the database and Redis it runs, in place of the outside ones.
    'compose.env': envFile('docker-compose.yml: the outside values, inside the compose network', [
      ['DATABASE_URL', `mysql://cx:${databasePassword}@mariadb:3306/cx`],
      ['REDIS_URL', 'redis://redis:6379'],
    ]),
    'mariadb.env': envFile('docker-compose.yml: the MariaDB container', [
      ['MARIADB_ROOT_PASSWORD', randomBytes(24).toString('base64url')],
      ['MARIADB_USER', 'cx'],
      ['MARIADB_PASSWORD', databasePassword],
    ]),
    'demo-crm.env': options.demo
      ? envFile('docker-compose.yml --profile demo: the crm subgraph trusts the fake CRM (https, its own certificate)', [
          ['CRM_ALLOWED_HOSTS', 'crm-fake:4010'],
          ['NODE_EXTRA_CA_CERTS', '/app/deploy/env/demo/crm-fake.crt'],
        ])
      : envFile('docker-compose.yml --profile demo: empty until `npm run secrets -- --demo --force`', []),
    'demo-seed.env': envFile('docker-compose.yml --profile demo: the demo seed, writing with each subgraph\'s own master key', [
      ['SEED', 'true'],
      ['CRM_FAKE_URL', 'https://crm-fake:4010'],
      ...SUBGRAPH_NAMES.map((name) => [`${name.toUpperCase()}_MASTER_KEYS`, masterKeys[name]] as [string, string]),
    ]),
  };
  return files;
}

/** `npm run secrets`: those files under --out (deploy/env by default), owner-only, never over existing ones unless --force. */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((arg, i) => !['--force', '--demo', '--print', '--out'].includes(arg) && args[i - 1] !== '--out');
  if (unknown.length) throw new Error(`${USAGE}\nunknown: ${unknown.join(' ')}`);
  const outIndex = args.indexOf('--out');
  const dir = path.resolve(outIndex >= 0 ? args[outIndex + 1] ?? '' : 'deploy/env');
  const force = args.includes('--force');
  const files = await secretFiles({ demo: args.includes('--demo') });

  const existing = Object.keys(files).filter((file) => fs.existsSync(path.join(dir, file)));
  if (existing.length && !force) {
    throw new Error(`refusing to overwrite ${existing.map((file) => path.join(path.relative(process.cwd(), dir) || '.', file)).join(', ')}: new secrets would lock out every running process and make stored data keys unreadable. Pass --force to replace them.`);
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [file, text] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, file), text, { mode: 0o600 });
    fs.chmodSync(path.join(dir, file), 0o600);
  }
  if (args.includes('--demo')) {
    const { keyFile } = writeDemoCertificate(path.join(dir, 'demo'), ['crm-fake', 'localhost', '127.0.0.1']);
    // A throwaway for the demo stand-in, read by the container's node user.
    fs.chmodSync(keyFile, 0o644);
  }

  const shown = path.relative(process.cwd(), dir) || '.';
  process.stdout.write(
    [
      `Wrote ${Object.keys(files).map((file) => `${shown}/${file}`).join(', ')}${args.includes('--demo') ? `, ${shown}/demo/crm-fake.{crt,key}` : ''} (owner-only).`,
      'Generated: CONTEXT_SIGNING_SECRET, CLIENT_TOKEN_PRIVATE_KEY (gateway), COPROCESSOR_SECRET (Router coprocessor), CONTEXT_KEY, SERVICE_KEYS, MASTER_KEYS (each subgraph its own), the compose MariaDB passwords.',
      'Fill in from outside (left empty, so a process refuses to start without them):',
      ...OUTSIDE.map(({ file, key, what }) => `  ${shown}/${file}  ${key}=  ${what}`),
      'Back up MASTER_KEYS apart from the data: without them stored data keys cannot be unwrapped.',
      '',
    ].join('\n'),
  );
  if (args.includes('--print')) {
    for (const [file, text] of Object.entries(files)) process.stdout.write(`--- ${shown}/${file}\n${text}`);
  }
}

// Run as a script; imported (the Kubernetes manifests' test), it only lends `secretFiles`.
if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  });
}
