import '../platform/telemetry/register';
import 'reflect-metadata';
import { loadGatewayConfig } from './config';
import { createGatewayServer } from './server';
import { checkSubgraphKeys, keysRefusedMessage } from './subgraph-keys-check';
import { createLogger } from '../platform/logger';
import { onTerminationSignals, shutdownBound } from '../platform/lifecycle';
import { configOrExit } from '../platform/env';

/** Runs the gateway alone, against subgraphs at IDENTITY_URL, INTERACTIONS_URL, CONSENT_URL, CRM_URL. */
const config = configOrExit(() => loadGatewayConfig(), 'gateway');
const logger = createLogger('gateway', config.logLevel);
createGatewayServer(config, { logger })
  .then(async (gateway) => {
    const { url } = await gateway.listen(config.port, config.host);
    // Never ready and then 401 on every request: a subgraph holding another secret's key refuses the start.
    const keys = await checkSubgraphKeys(gateway.deps.signer, config.subgraphUrls);
    if (keys.refused.length) {
      process.stderr.write(`gateway refused to start: ${keysRefusedMessage(keys.refused)}\n`);
      await gateway.close();
      process.exit(1);
    }
    if (keys.unreachable.length) logger.warn({ subgraphs: keys.unreachable }, 'subgraphs not answering yet: their keys could not be checked');
    logger.info({ url }, 'gateway ready');
    onTerminationSignals(logger, () => gateway.close(), shutdownBound(config.lifecycle));
  })
  .catch((error: unknown) => {
    logger.fatal({ err: error }, 'gateway failed to start');
    process.exit(1);
  });
