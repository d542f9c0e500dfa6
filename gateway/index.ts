import '../subgraphs/shared/telemetry/register';
import 'reflect-metadata';
import { loadGatewayConfig } from './config';
import { createGatewayServer } from './server';
import { createLogger } from '../subgraphs/shared/logger';
import { onTerminationSignals, shutdownBound } from '../subgraphs/shared/lifecycle';

/** Runs the gateway alone, against subgraphs at IDENTITY_URL, INTERACTIONS_URL, CONSENT_URL, CRM_URL. */
const config = loadGatewayConfig();
const logger = createLogger('gateway', config.logLevel);
createGatewayServer(config, { logger })
  .then(async (gateway) => {
    const { url } = await gateway.listen(config.port, config.host);
    logger.info({ url }, 'gateway ready');
    onTerminationSignals(logger, () => gateway.close(), shutdownBound(config.lifecycle));
  })
  .catch((error: unknown) => {
    logger.fatal({ err: error }, 'gateway failed to start');
    process.exit(1);
  });
