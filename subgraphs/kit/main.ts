import { loadSubgraphConfig } from './config';
import { configOrExit } from '../../platform/env';
import { createLogger } from '../../platform/logger';
import { onTerminationSignals, shutdownBound } from '../../platform/lifecycle';
import { createSubgraphServer, type SubgraphModule } from './server';

/** Entry point for running one subgraph alone: `node dist/subgraphs/<name>/index.js`. */
export function runSubgraph(module: SubgraphModule): void {
  const config = configOrExit(() => loadSubgraphConfig(undefined, module.name), `${module.name} subgraph`);
  const logger = createLogger(module.name, config.logLevel);
  createSubgraphServer(module, { config, logger })
    .then(async (server) => {
      const { url } = await server.listen(config.ports[module.name], config.host);
      logger.info({ url }, `${module.name} subgraph ready`);
      onTerminationSignals(logger, () => server.close(), shutdownBound(config.lifecycle));
    })
    .catch((error: unknown) => {
      logger.fatal({ err: error }, `${module.name} subgraph failed to start`);
      process.exit(1);
    });
}
