import 'reflect-metadata';
import { loadGatewayConfig } from '../gateway/config';
import { createGatewayServer } from '../gateway/server';
import type { RequestClaims } from '../platform/contracts/signed-context';
import type { SubgraphName } from '../subgraphs/kit/config';
import { startBypassedGateway } from './bypassed-stack';

export interface GatewayStart {
  env: Record<string, string>;
  subgraphUrls: Record<SubgraphName, string>;
  bypassedSubgraphUrls: Record<SubgraphName, string>;
  claims: RequestClaims;
}

/**
 * The gateway process (forked by bench/run.ts): the secured gateway and its bypassed twin, in a
 * process of their own as they are deployed, so gateway and subgraphs use both cores.
 */
process.once('message', async (start: GatewayStart) => {
  try {
    const config = loadGatewayConfig(start.env);
    const gateway = await createGatewayServer({ ...config, subgraphUrls: start.subgraphUrls as never });
    const secureUrl = (await gateway.listen(0)).url;
    const bypassed = await startBypassedGateway(start.bypassedSubgraphUrls, start.claims, config.supergraphPath);
    process.send!({ gateways: { secure: secureUrl, bypassed: bypassed.gatewayUrl } });
    process.on('message', (message: { memory?: boolean }) => {
      if (message.memory) process.send!({ memory: process.memoryUsage().rss });
    });
    process.once('disconnect', async () => {
      await gateway.close();
      await bypassed.close();
      process.exit(0);
    });
  } catch (error) {
    process.stderr.write(`bench gateway failed: ${(error as Error).stack}\n`);
    process.exit(1);
  }
});
