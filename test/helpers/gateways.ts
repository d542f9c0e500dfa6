import { createGatewayServer, type GatewayServer } from '../../gateway/server';
import type { AccessEvents } from '../../subgraphs/shared/access-events';
import { bearer, codes, postGraphQL } from './environment';
import type { SeededStack } from './stack';

const QUERY = '{ tenant { slug } }';

/** Polls until the gateway refuses, returning how long it took; fails after `limitMs`. */
export async function refusedWithin(url: string, token: string, limitMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const response = await postGraphQL(url, QUERY, undefined, bearer(token));
    if (response.status === 403) {
      expect(codes(response)).toEqual(['IP_NOT_ALLOWED']);
      return Date.now() - started;
    }
    if (Date.now() - started > limitMs) throw new Error(`still admitted after ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function secondGateway(world: SeededStack, events: AccessEvents): Promise<{ gateway: GatewayServer; url: string }> {
  const gateway = await createGatewayServer(
    { ...world.env.gatewayConfig, subgraphUrls: world.stack.subgraphUrls },
    { accessEvents: events },
  );
  return { gateway, url: (await gateway.listen(0)).url };
}
