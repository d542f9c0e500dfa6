import type { Logger } from 'pino';
import { createGatewayServer, type GatewayServer } from '../gateway/server';
import type { GatewayConfig } from '../gateway/config';
import { subgraphs } from '../subgraphs';
import { SUBGRAPH_NAMES, type SubgraphConfig, type SubgraphName } from '../subgraphs/shared/config';
import { createSubgraphServer, masterKeys, type SubgraphServer } from '../subgraphs/shared/server';
import { seedDemoData, type DataSources } from './seed';

export interface Stack {
  gateway: GatewayServer;
  gatewayUrl: string;
  subgraphs: Record<SubgraphName, SubgraphServer>;
  subgraphUrls: Record<SubgraphName, string>;
  seeded: boolean;
  close(): Promise<void>;
}

export interface StackOptions {
  subgraphConfig: SubgraphConfig;
  gatewayConfig: GatewayConfig;
  /** Listen on free ports instead of the configured ones (tests, benchmarks). */
  freePorts?: boolean;
  seed?: boolean;
  /** Demo end-users per tenant when seeding (default 50). */
  seedEndUsers?: number;
  logger?: (name: string) => Logger | undefined;
  /** Where subgraphs send their service calls, when not to each other (tests put a fake in between). */
  serviceUrls?: Partial<Record<SubgraphName, string>>;
}

/** The four subgraphs and the gateway in one process: `npm start`, end-to-end tests and benchmarks. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const { subgraphConfig, gatewayConfig } = options;
  const servers = {} as Record<SubgraphName, SubgraphServer>;
  const urls = {} as Record<SubgraphName, string>;
  // Service calls follow the ports actually listened on (filled in below), unless told otherwise.
  const serviceUrls = { ...subgraphConfig.urls };
  const config = options.freePorts || options.serviceUrls ? { ...subgraphConfig, urls: serviceUrls } : subgraphConfig;
  try {
    for (const name of SUBGRAPH_NAMES) {
      servers[name] = await createSubgraphServer(subgraphs[name], {
        config,
        logger: options.logger?.(name),
      });
    }
    const seeded =
      (options.seed ?? subgraphConfig.seed) &&
      (await seedDemoData(
        Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, servers[n].dataSource])) as DataSources,
        await masterKeys(subgraphConfig),
        options.seedEndUsers,
      ));
    for (const name of SUBGRAPH_NAMES) {
      const port = options.freePorts ? 0 : subgraphConfig.ports[name];
      urls[name] = (await servers[name].listen(port, subgraphConfig.host)).url;
      if (options.freePorts) serviceUrls[name] = urls[name];
    }
    Object.assign(serviceUrls, options.serviceUrls);
    const gateway = await createGatewayServer(
      { ...gatewayConfig, subgraphUrls: options.freePorts ? urls : gatewayConfig.subgraphUrls },
      { logger: options.logger?.('gateway') },
    );
    const { url } = await gateway.listen(options.freePorts ? 0 : gatewayConfig.port, gatewayConfig.host);
    return {
      gateway,
      gatewayUrl: url,
      subgraphs: servers,
      subgraphUrls: urls,
      seeded: Boolean(seeded),
      async close() {
        await gateway.close();
        await Promise.all(Object.values(servers).map((server) => server.close()));
      },
    };
  } catch (error) {
    await Promise.allSettled(Object.values(servers).map((server) => server.close()));
    throw error;
  }
}
