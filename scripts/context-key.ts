import { contextKeyFor, decodeSecret } from '../platform/contracts/signed-context';
import { SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs/kit/config';
import { loadContextSigningSecret } from '../gateway/config';
import { loadDevKeys } from '../platform/dev-keys';
import { formatServiceKeys } from '../subgraphs/kit/service-client';

const USAGE = `usage: npm run -s context-key -- <${SUBGRAPH_NAMES.join('|')}> [--links] [--dev]`;

/**
 * `npm run -s context-key -- <subgraph>`: prints the CONTEXT_KEY to give that subgraph, derived
 * from the gateway's CONTEXT_SIGNING_SECRET. Each subgraph gets only its own key. With `--links`,
 * prints its SERVICE_KEYS instead: the keys of the service links it is an end of. Without the
 * secret it refuses (a key derived from the development secret would fail every request in
 * production); `--dev` asks for the development key, outside production only.
 */
async function main(): Promise<void> {
  const name = process.argv[2] as SubgraphName;
  if (!SUBGRAPH_NAMES.includes(name)) throw new Error(USAGE);
  const config = loadContextSigningSecret();
  const dev = process.argv.includes('--dev');
  if (!config.secret && !dev) {
    throw new Error('CONTEXT_SIGNING_SECRET is not set: set the gateway\'s secret (deploy/env/gateway.env, from `npm run secrets`, which also writes every subgraph\'s keys), or pass --dev for a key derived from the development secret');
  }
  if (config.production && dev) throw new Error('--dev is refused in production: set CONTEXT_SIGNING_SECRET');
  const secret = config.secret ?? (await loadDevKeys(config.keysDir)).contextSecret;
  const master = decodeSecret(secret, 'CONTEXT_SIGNING_SECRET');
  const value = process.argv.includes('--links') ? formatServiceKeys(master, name) : Buffer.from(contextKeyFor(master, name)).toString('base64url');
  process.stdout.write(`${value}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
