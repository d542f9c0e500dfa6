import 'reflect-metadata';
import { loadGatewayConfig } from '../gateway/config';
import { createGatewayServer } from '../gateway/server';
import type { RequestClaims } from '../platform/contracts/signed-context';
import type { SubgraphName } from '../subgraphs/kit/config';
import { startTwinGateway, startVanillaGateway } from './bypassed-stack';

export type GatewayKind = 'secure' | 'twin' | 'vanilla';

export interface GatewayStart {
  env: Record<string, string>;
  subgraphUrls: Record<SubgraphName, string>;
  bypassedSubgraphUrls: Record<SubgraphName, string>;
  claims: RequestClaims;
  /** Which gateway this process runs (older checkouts ignore it and run their secured one). */
  kind?: GatewayKind;
}

/**
 * A gateway process (forked by bench/run.ts), one gateway each so each has its own CPU and memory
 * figures: the secured gateway over the secured subgraphs, or over the bypassed subgraphs its twin
 * without access control, or a vanilla @apollo/gateway.
 */
process.once('message', async (start: GatewayStart) => {
  try {
    const config = loadGatewayConfig(start.env);
    const kind = start.kind ?? 'secure';
    let url: string;
    let close: () => Promise<unknown>;
    if (kind === 'secure') {
      const gateway = await createGatewayServer({ ...config, subgraphUrls: start.subgraphUrls as never });
      url = (await gateway.listen(0)).url;
      close = () => gateway.close();
    } else if (kind === 'twin') {
      const twin = await startTwinGateway(config, start.bypassedSubgraphUrls, start.claims);
      url = twin.gatewayUrl;
      close = twin.close;
    } else {
      const vanilla = await startVanillaGateway(start.bypassedSubgraphUrls, start.claims, config.supergraphPath);
      url = vanilla.gatewayUrl;
      close = vanilla.close;
    }
    process.send!({ gateways: { [kind]: url } });
    process.once('disconnect', async () => {
      await close();
      process.exit(0);
    });
  } catch (error) {
    process.stderr.write(`bench gateway failed: ${(error as Error).stack}\n`);
    process.exit(1);
  }
});
