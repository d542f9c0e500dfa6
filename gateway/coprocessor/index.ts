import '../../platform/telemetry/register';
import 'reflect-metadata';
import { loadCoprocessorConfig } from './config';
import { createCoprocessorServer } from './server';
import { checkSubgraphKeys, keysRefusedMessage } from '../subgraph-keys-check';
import { createLogger } from '../../platform/logger';
import { onTerminationSignals, shutdownBound } from '../../platform/lifecycle';
import { configOrExit } from '../../platform/env';

/** Runs the Router coprocessor, against subgraphs at IDENTITY_URL, INTERACTIONS_URL, CONSENT_URL, CRM_URL. */
const config = configOrExit(() => loadCoprocessorConfig(), 'coprocessor');
const logger = createLogger('coprocessor', config.gateway.logLevel);
createCoprocessorServer(config, { logger })
  .then(async (coprocessor) => {
    const { port } = await coprocessor.listen(config.port, config.host);
    // Never ready and then 401 at every subgraph: a subgraph holding another secret's key refuses the start.
    const keys = await checkSubgraphKeys(coprocessor.deps.signer, config.gateway.subgraphUrls);
    if (keys.refused.length) {
      process.stderr.write(`coprocessor refused to start: ${keysRefusedMessage(keys.refused)}\n`);
      await coprocessor.close();
      process.exit(1);
    }
    if (keys.unreachable.length) logger.warn({ subgraphs: keys.unreachable }, 'subgraphs not answering yet: their keys could not be checked');
    // The secret is part of the path: it is not logged.
    logger.info({ host: config.host, port, path: config.secret ? '/coprocessor/<COPROCESSOR_SECRET>' : '/coprocessor' }, 'coprocessor ready');
    onTerminationSignals(logger, () => coprocessor.close(), shutdownBound(config.gateway.lifecycle));
  })
  .catch((error: unknown) => {
    logger.fatal({ err: error }, 'coprocessor failed to start');
    process.exit(1);
  });
