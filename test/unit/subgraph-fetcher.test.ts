import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { loadGatewayConfig } from '../../gateway/config';
import { SignedContextDataSource } from '../../gateway/signed-data-source';
import { createSubgraphFetcher } from '../../gateway/subgraph-fetcher';
import { ContextSigner } from '../../platform/contracts/signed-context';

/** A subgraph stand-in: answers `{ data: { ok: true } }` after `delayMs`, or drops the connection for requests `drop` says so. */
async function fakeSubgraph(options: { delayMs?: number; drop?: (n: number) => boolean } = {}) {
  const sockets = new Set<Socket>();
  let opened = 0;
  let closedIdle = 0;
  let requests = 0;
  const server = http.createServer((req, res) => {
    const n = ++requests;
    req.resume();
    req.on('end', () => {
      if (options.drop?.(n)) {
        req.socket.destroy();
        return;
      }
      setTimeout(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: { ok: true } }));
      }, options.delayMs ?? 0);
    });
  });
  server.on('connection', (socket: Socket) => {
    opened++;
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      closedIdle++;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    stats: () => ({ opened, open: sockets.size, closed: closedIdle, requests }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const defaults = loadGatewayConfig({}).deadlines;
const post = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ ok }"}' };

describe('the subgraph fetcher', () => {
  it('keeps at most SUBGRAPH_CONNECTIONS connections to a subgraph, however many fetches wait', async () => {
    const subgraph = await fakeSubgraph({ delayMs: 50 });
    const { fetcher, close } = createSubgraphFetcher({ ...defaults, subgraphConnections: 2 });
    try {
      const answers = await Promise.all(Array.from({ length: 12 }, () => fetcher(subgraph.url, post)));
      expect(answers.every((answer) => answer.status === 200)).toBe(true);
      expect(subgraph.stats().requests).toBe(12);
      expect(subgraph.stats().opened).toBeLessThanOrEqual(2);
    } finally {
      await close();
      await subgraph.close();
    }
  });

  it('closes an idle connection itself before the subgraph’s keep-alive would', async () => {
    // The subgraph keeps idle connections 5 s (Node's default); the gateway lets them go sooner.
    const subgraph = await fakeSubgraph();
    const { fetcher, close } = createSubgraphFetcher({ ...defaults, subgraphKeepAliveMs: 200 });
    try {
      await fetcher(subgraph.url, post);
      expect(subgraph.stats().open).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(subgraph.stats().open).toBe(0);
      expect(subgraph.stats().closed).toBe(1);
    } finally {
      await close();
      await subgraph.close();
    }
  });

  it('is configured below the subgraphs’ keep-alive by default', () => {
    expect(defaults.subgraphKeepAliveMs).toBeLessThan(new http.Server().keepAliveTimeout);
  });
});

describe('a connection reset under a subgraph fetch', () => {
  const claims = {
    requestId: 'r1', tenant: { id: 't1', slug: 'acme' }, principal: { id: 'op', kind: 'operator' as const, roles: ['admin'], scopes: [] },
    clientIp: '127.0.0.1', accessPolicy: null,
  };
  const send = (source: SignedContextDataSource, query: string) =>
    source.process({
      kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
      request: { query, variables: {} },
      context: { claims, deadline: Date.now() + 5_000 },
      incomingRequestContext: {},
    } as never);

  it('sends a read again, once, and answers it', async () => {
    const subgraph = await fakeSubgraph({ drop: (n) => n === 1 });
    const { fetcher, close } = createSubgraphFetcher(defaults);
    try {
      const source = new SignedContextDataSource('identity', subgraph.url, new ContextSigner(randomBytes(32)), { fetcher });
      const answer = await send(source, 'query Q { ok }');
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toEqual({ ok: true });
      expect(subgraph.stats().requests).toBe(2);
    } finally {
      await close();
      await subgraph.close();
    }
  });

  it('never sends a write twice: the mutation answers UNAVAILABLE', async () => {
    const subgraph = await fakeSubgraph({ drop: (n) => n === 1 });
    const { fetcher, close } = createSubgraphFetcher(defaults);
    try {
      const source = new SignedContextDataSource('identity', subgraph.url, new ContextSigner(randomBytes(32)), { fetcher });
      const answer = await send(source, 'mutation M { ok }');
      expect(answer.errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');
      expect(subgraph.stats().requests).toBe(1);
    } finally {
      await close();
      await subgraph.close();
    }
  });

  it('gives up on a read reset twice', async () => {
    const subgraph = await fakeSubgraph({ drop: () => true });
    const { fetcher, close } = createSubgraphFetcher(defaults);
    try {
      const source = new SignedContextDataSource('identity', subgraph.url, new ContextSigner(randomBytes(32)), { fetcher });
      const answer = await send(source, 'query Q { ok }');
      expect(answer.errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');
      expect(subgraph.stats().requests).toBe(2);
    } finally {
      await close();
      await subgraph.close();
    }
  });
});
