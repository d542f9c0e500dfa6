import { createGatewayServer, type GatewayServer } from '../../gateway/server';
import { subgraphs } from '../../subgraphs';
import { SUBGRAPH_NAMES } from '../../subgraphs/kit/config';
import { createSubgraphServer } from '../../subgraphs/kit/server';
import { seededStack, type SeededStack } from '../helpers/stack';
import { switchableProxy } from '../helpers/switchable-proxy';

let world: SeededStack;
beforeAll(async () => {
  world = await seededStack();
});
afterAll(() => world?.close());

const base = (graphqlUrl: string) => graphqlUrl.replace(/\/graphql$/, '');
async function probe(url: string) {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as { status: string; reason?: string } };
}

describe('health endpoints', () => {
  it('live and ready on every process while everything is up', async () => {
    for (const url of [world.stack.gatewayUrl, ...SUBGRAPH_NAMES.map((name) => world.stack.subgraphUrls[name])]) {
      expect(await probe(`${base(url)}/health/live`)).toEqual({ status: 200, body: { status: 'ok' } });
      expect(await probe(`${base(url)}/health/ready`)).toEqual({ status: 200, body: { status: 'ok' } });
      expect((await probe(`${base(url)}/health`)).status).toBe(200);
    }
  });

  describe('gateway readiness follows identity', () => {
    let gateway: GatewayServer;
    let proxy: Awaited<ReturnType<typeof switchableProxy>>;
    let url: string;
    beforeAll(async () => {
      proxy = await switchableProxy(Number(new URL(world.stack.subgraphUrls.identity).port));
      gateway = await createGatewayServer({
        ...world.env.gatewayConfig,
        subgraphUrls: { ...world.stack.subgraphUrls, identity: `http://127.0.0.1:${proxy.port}/graphql` },
        lifecycle: { drainMs: 1_000, healthTimeoutMs: 300 },
      });
      url = base((await gateway.listen(0)).url);
    });
    afterAll(async () => {
      await gateway?.close();
      await proxy?.close();
    });

    it.each(['down', 'stalled'] as const)('503 while identity is %s, live all along, ready again once it is back', async (mode) => {
      expect((await probe(`${url}/health/ready`)).status).toBe(200);
      proxy.set(mode);
      const ready = await probe(`${url}/health/ready`);
      expect(ready).toEqual({ status: 503, body: { status: 'unavailable', reason: 'identity unreachable' } });
      expect((await probe(`${url}/health/live`)).status).toBe(200);
      proxy.set('up');
      expect((await probe(`${url}/health/ready`)).status).toBe(200);
    });

    it('503 once shutdown begins, while live stays 200 (a draining process must not be restarted)', async () => {
      gateway.lifecycle.beginShutdown();
      expect(await probe(`${url}/health/ready`)).toEqual({ status: 503, body: { status: 'unavailable', reason: 'shutting down' } });
      expect((await probe(`${url}/health`)).status).toBe(503);
      expect((await probe(`${url}/health/live`)).status).toBe(200);
    });
  });

  it('a subgraph: 503 once shutdown begins, live 200, and the port closed after close()', async () => {
    const server = await createSubgraphServer(subgraphs.consent, { config: { ...world.env.subgraphConfig, privacyRetryIntervalMs: 0 } });
    const url = base((await server.listen(0)).url);
    try {
      expect((await probe(`${url}/health/ready`)).status).toBe(200);
      server.lifecycle.beginShutdown();
      expect(await probe(`${url}/health/ready`)).toEqual({ status: 503, body: { status: 'unavailable', reason: 'shutting down' } });
      expect((await probe(`${url}/health/live`)).status).toBe(200);
    } finally {
      await server.close();
    }
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
  });
});
