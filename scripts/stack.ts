import type { Logger } from 'pino';
import { createGatewayServer, type GatewayServer } from '../gateway/server';
import type { GatewayConfig } from '../gateway/config';
import { subgraphs } from '../subgraphs';
import { contextKeyFor, decodeSecret } from '../platform/contracts/signed-context';
import { ConfigError, sharedProcessKeysRefused, SUBGRAPH_NAMES, type SubgraphConfig, type SubgraphName } from '../subgraphs/kit/config';
import { defaultSubgraphUrl } from '../platform/contracts/service-links';
import { formatServiceKeys } from '../subgraphs/kit/service-client';
import { createSubgraphServer, type SubgraphServer } from '../subgraphs/kit/server';
import { seedDemoData, type DataSources, type Keyrings } from './seed';

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
}

/**
 * Each subgraph's own keys when all share the gateway's process. CONTEXT_KEY and SERVICE_KEYS are
 * one subgraph's: given to four they verify for one and answer 401 to the rest, so they are
 * refused; with CONTEXT_SIGNING_SECRET, each subgraph's keys are derived from it, as
 * `npm run secrets` derives them for separate processes. Without it, development keys.
 */
export function sharedProcessKeys(subgraphConfig: SubgraphConfig, gatewayConfig: GatewayConfig): (name: SubgraphName) => Pick<SubgraphConfig, 'contextKey' | 'serviceKeys' | 'masterKeys'> {
  const given = [subgraphConfig.contextKey && 'CONTEXT_KEY', subgraphConfig.serviceKeys && 'SERVICE_KEYS'].filter(Boolean) as string[];
  if (given.length) throw new ConfigError(sharedProcessKeysRefused(given));
  const masterKeys = (name: SubgraphName) => subgraphConfig.subgraphMasterKeys[name] ?? subgraphConfig.masterKeys;
  if (!gatewayConfig.contextSigningSecret) return (name) => ({ contextKey: undefined, serviceKeys: undefined, masterKeys: masterKeys(name) });
  const master = decodeSecret(gatewayConfig.contextSigningSecret, 'CONTEXT_SIGNING_SECRET');
  return (name) => ({ contextKey: Buffer.from(contextKeyFor(master, name)).toString('base64url'), serviceKeys: formatServiceKeys(master, name), masterKeys: masterKeys(name) });
}

/** The four subgraphs and the gateway in one process: `npm start`, end-to-end tests and benchmarks. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const { subgraphConfig, gatewayConfig } = options;
  const servers = {} as Record<SubgraphName, SubgraphServer>;
  const urls = {} as Record<SubgraphName, string>;
  // Where the subgraphs reach each other over their service links: filled in once they listen on
  // free ports, unless configured to go elsewhere (a stand-in, say).
  const serviceUrls = { ...subgraphConfig.urls };
  const configured = (name: SubgraphName) => subgraphConfig.urls[name] !== defaultSubgraphUrl(subgraphConfig.host, subgraphConfig.ports[name]);
  const keysOf = sharedProcessKeys(subgraphConfig, gatewayConfig);
  try {
    for (const name of SUBGRAPH_NAMES) {
      servers[name] = await createSubgraphServer(subgraphs[name], {
        config: { ...subgraphConfig, ...keysOf(name), urls: serviceUrls },
        logger: options.logger?.(name),
      });
    }
    const seeded =
      (options.seed ?? subgraphConfig.seed) &&
      (await seedDemoData(
        Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, servers[n].dataSource])) as DataSources,
        Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, servers[n].keyring])) as Keyrings,
        options.seedEndUsers,
        subgraphConfig.crm.fakeUrl,
      ));
    for (const name of SUBGRAPH_NAMES) {
      const port = options.freePorts ? 0 : subgraphConfig.ports[name];
      urls[name] = (await servers[name].listen(port, subgraphConfig.host)).url;
      if (options.freePorts && !configured(name)) serviceUrls[name] = urls[name];
    }
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
      // Gateway first: its requests in flight still reach every subgraph until they are answered.
      async close() {
        for (const server of [gateway, ...Object.values(servers)]) server.lifecycle.beginShutdown();
        await gateway.close();
        await Promise.all(Object.values(servers).map((server) => server.stopWorkers()));
        await Promise.all(Object.values(servers).map((server) => server.close()));
      },
    };
  } catch (error) {
    await Promise.allSettled(Object.values(servers).map((server) => server.close()));
    throw error;
  }
}
