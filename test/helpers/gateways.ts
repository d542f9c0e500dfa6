import { createGatewayServer, type GatewayServer } from '../../gateway/server';
import type { AccessEvents } from '../../platform/access-events';
import type { SeededStack } from './stack';

/** Another gateway instance in this process, reading access versions from `events`. */
export async function secondGateway(world: SeededStack, events: AccessEvents): Promise<{ gateway: GatewayServer; url: string }> {
  const gateway = await createGatewayServer(
    { ...world.env.gatewayConfig, subgraphUrls: world.stack.subgraphUrls },
    { accessEvents: events },
  );
  return { gateway, url: (await gateway.listen(0)).url };
}
