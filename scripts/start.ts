import '../platform/telemetry/register';
import 'reflect-metadata';
import { loadGatewayConfig } from '../gateway/config';
import { loadSubgraphConfig, SHARED_PROCESS } from '../subgraphs/kit/config';
import { configOrExit, readConfig } from '../platform/env';
import { createLogger } from '../platform/logger';
import { onTerminationSignals, shutdownBound } from '../platform/lifecycle';
import { checkSubgraphKeys, keysRefusedMessage } from '../gateway/subgraph-keys-check';
import { startStack } from './stack';

/** `npm start`: every server in one process, seeded on an empty database. */
async function main(): Promise<void> {
  // Both read before either complains, so every problem shows at once.
  const [subgraphConfig, gatewayConfig] = configOrExit(() => readConfig(() => [loadSubgraphConfig(undefined, SHARED_PROCESS), loadGatewayConfig()] as const), 'npm start');
  const stack = await startStack({
    subgraphConfig,
    gatewayConfig,
    logger: (name) => createLogger(name, subgraphConfig.logLevel),
  });
  const keys = await checkSubgraphKeys(stack.gateway.deps.signer, stack.subgraphUrls);
  if (keys.refused.length || keys.unreachable.length) {
    await stack.close();
    throw new Error(keys.refused.length ? keysRefusedMessage(keys.refused) : `${keys.unreachable.join(', ')} did not answer the gateway`);
  }
  const url = gatewayConfig.host === '0.0.0.0' ? `http://localhost:${gatewayConfig.port}/graphql` : stack.gatewayUrl;
  process.stdout.write(
    [
      '',
      `Gateway ready at ${url} (started in ${process.uptime().toFixed(1)}s${stack.seeded ? ', demo tenants acme and globex seeded' : ''})`,
      `Subgraphs: ${Object.entries(stack.subgraphUrls).map(([name, u]) => `${name} ${u}`).join(', ')}`,
      gatewayConfig.production ? '' : `Open ${url} in a browser for Apollo Sandbox.`,
      'Get a token:  npm run -s token -- --tenant acme --roles admin',
      `Then:         curl -s ${url} -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
      `                -d '{"query":"{ endUsers(first: 3) { edges { node { id firstName email interactions { edges { node { channel } } } } } } }"}'`,
      '',
    ].join('\n'),
  );
  onTerminationSignals(createLogger('start', subgraphConfig.logLevel), () => stack.close(), shutdownBound(gatewayConfig.lifecycle), { whenOrphaned: true });
}

main().catch((error: unknown) => {
  process.stderr.write(`failed to start: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
