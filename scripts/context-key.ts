import { contextKeyFor, decodeSecret } from '../subgraphs/shared/auth/signed-context';
import { SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs/shared/config';
import { loadGatewayConfig } from '../gateway/config';
import { loadDevKeys } from '../subgraphs/shared/auth/dev-keys';
import { formatServiceKeys } from '../subgraphs/shared/service-client';

/**
 * `npm run -s context-key -- <subgraph>`: prints the CONTEXT_KEY to give that subgraph, derived
 * from the gateway's CONTEXT_SIGNING_SECRET (or the development secret). Each subgraph gets only
 * its own key. With `--links`, prints its SERVICE_KEYS instead: the keys of the service links it
 * is an end of.
 */
async function main(): Promise<void> {
  const name = process.argv[2] as SubgraphName;
  if (!SUBGRAPH_NAMES.includes(name)) throw new Error(`usage: npm run -s context-key -- <${SUBGRAPH_NAMES.join('|')}> [--links]`);
  const config = loadGatewayConfig();
  const secret = config.contextSigningSecret ?? (await loadDevKeys(config.keysDir)).contextSecret;
  const master = decodeSecret(secret, 'CONTEXT_SIGNING_SECRET');
  const value = process.argv.includes('--links') ? formatServiceKeys(master, name) : Buffer.from(contextKeyFor(master, name)).toString('base64url');
  process.stdout.write(`${value}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
