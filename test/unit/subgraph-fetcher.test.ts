import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { loadGatewayConfig } from '../../gateway/config';
import { SignedContextDataSource } from '../../gateway/signed-data-source';
import { createSubgraphFetcher, FETCH_TIMEOUT_HEADER, ResponseHeaders } from '../../gateway/subgraph-fetcher';
import { CONTEXT_HEADER, ContextSigner, ContextVerifier, contextKeyFor, requestDigest } from '../../platform/contracts/signed-context';
import { DEADLINE_HEADER } from '../../platform/deadline';

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

describe('what the data source sends a subgraph and reads back', () => {
  const claims = {
    requestId: 'r-42', tenant: { id: 't1', slug: 'acme' }, principal: { id: 'op', kind: 'operator' as const, roles: ['admin'], scopes: [] },
    clientIp: '127.0.0.1', accessPolicy: null,
  };
  /** A subgraph stand-in that records each request and answers what `answer` says. */
  async function recordingSubgraph(answer: (res: http.ServerResponse) => void) {
    const seen: { headers: http.IncomingHttpHeaders; body: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        answer(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, seen, close: () => new Promise((resolve) => server.close(resolve)) };
  }
  const json = (body: unknown, headers: Record<string, string | string[]> = {}) => (res: http.ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  it('signs a context the subgraph accepts for exactly this query and these variables, with the request id and the time left', async () => {
    const secret = randomBytes(32);
    const subgraph = await recordingSubgraph(json({ data: { ok: true } }));
    const { fetcher, close } = createSubgraphFetcher(defaults);
    try {
      const source = new SignedContextDataSource('identity', subgraph.url, new ContextSigner(secret), { fetcher });
      const query = 'query Q($id: ID!) { endUser(id: $id) { id } }';
      const answer = await source.process({
        kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
        request: { query, variables: { id: 'e1' }, operationName: 'Q', http: { method: 'POST', url: '', headers: new Headers({ 'Apollo-Federation-Include-Trace': 'ftv1' }) } },
        context: { claims, deadline: Date.now() + 4_000 },
        incomingRequestContext: {},
      } as never);
      expect(answer.data).toEqual({ ok: true });
      const [{ headers, body }] = subgraph.seen;
      expect(JSON.parse(body)).toEqual({ query, variables: { id: 'e1' }, operationName: 'Q' });
      expect(headers['content-type']).toBe('application/json');
      expect(headers['x-request-id']).toBe('r-42');
      expect(headers['apollo-federation-include-trace']).toBe('ftv1');
      // The fetcher's own budget header stays in the gateway.
      expect(headers[FETCH_TIMEOUT_HEADER]).toBeUndefined();
      const left = Number(headers[DEADLINE_HEADER]);
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThan(4_000);
      const verifier = new ContextVerifier(contextKeyFor(secret, 'identity'), 'identity');
      await expect(verifier.verify(headers[CONTEXT_HEADER] as string, requestDigest(query, { id: 'e1' }))).resolves.toMatchObject({ requestId: 'r-42', tenant: claims.tenant });
      // Bound to its audience, its query and its variables.
      await expect(new ContextVerifier(contextKeyFor(secret, 'crm'), 'crm').verify(headers[CONTEXT_HEADER] as string, requestDigest(query, { id: 'e1' }))).rejects.toThrow();
      await expect(new ContextVerifier(contextKeyFor(secret, 'identity'), 'identity').verify(headers[CONTEXT_HEADER] as string, requestDigest(query, { id: 'e2' }))).rejects.toThrow();
    } finally {
      await close();
      await subgraph.close();
    }
  });

  it('lets the subgraph’s Cache-Control restrict the request’s cache policy, as Apollo’s data source does', async () => {
    const subgraph = await recordingSubgraph(json({ data: { ok: true } }, { 'cache-control': 'max-age=30, private' }));
    const { fetcher, close } = createSubgraphFetcher(defaults);
    try {
      const source = new SignedContextDataSource('identity', subgraph.url, new ContextSigner(randomBytes(32)), { fetcher });
      const restrict = jest.fn();
      await source.process({
        kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
        request: { query: '{ ok }', variables: {} },
        context: { claims },
        incomingRequestContext: { overallCachePolicy: { restrict } },
      } as never);
      expect(restrict).toHaveBeenCalledWith({ maxAge: 30, scope: 'PRIVATE' });
    } finally {
      await close();
      await subgraph.close();
    }
  });

  it('takes an answer that is not a JSON object for the subgraph failing: its fields answer UNAVAILABLE', async () => {
    const subgraph = await recordingSubgraph((res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello');
    });
    const { fetcher, close } = createSubgraphFetcher(defaults);
    try {
      const source = new SignedContextDataSource('identity', subgraph.url, new ContextSigner(randomBytes(32)), { fetcher });
      const answer = await source.process({ kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION, request: { query: '{ ok }', variables: {} }, context: { claims }, incomingRequestContext: {} } as never);
      expect(answer.data).toBeUndefined();
      expect(answer.errors).toEqual([expect.objectContaining({ path: ['ok'], extensions: { code: 'UNAVAILABLE' } })]);
    } finally {
      await close();
      await subgraph.close();
    }
  });

  it('reads response headers by any case, repeated ones joined, and refuses to change them', () => {
    const headers = new ResponseHeaders({ 'content-type': 'application/json', vary: ['origin', 'accept'], absent: undefined });
    expect(headers.get('Content-Type')).toBe('application/json');
    expect(headers.get('VARY')).toBe('origin, accept');
    expect(headers.get('absent')).toBeNull();
    expect(headers.has('content-type')).toBe(true);
    expect(headers.has('absent')).toBe(false);
    expect([...headers]).toEqual([['content-type', 'application/json'], ['vary', 'origin, accept']]);
    expect([...headers.keys()]).toEqual(['content-type', 'vary']);
    expect(() => headers.set('x', 'y')).toThrow(TypeError);
  });
});
