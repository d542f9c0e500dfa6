import { contextKeyFor, decodeSecret } from '../subgraphs/shared/auth/signed-context';
import { SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs/shared/config';
import { loadGatewayConfig } from '../gateway/config';
import { loadDevKeys } from '../subgraphs/shared/auth/dev-keys';

/**
 * `npm run -s context-key -- <subgraph>`: prints the CONTEXT_KEY to give that subgraph, derived
 * from the gateway's CONTEXT_SIGNING_SECRET (or the development secret). Each subgraph gets only
 * its own key.
 */
async function main(): Promise<void> {
  const name = process.argv[2] as SubgraphName;
  if (!SUBGRAPH_NAMES.includes(name)) throw new Error(`usage: npm run -s context-key -- <${SUBGRAPH_NAMES.join('|')}>`);
  const config = loadGatewayConfig();
  const secret = config.contextSigningSecret ?? (await loadDevKeys(config.keysDir)).contextSecret;
  process.stdout.write(`${Buffer.from(contextKeyFor(decodeSecret(secret, 'CONTEXT_SIGNING_SECRET'), name)).toString('base64url')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
