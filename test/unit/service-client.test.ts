import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { CONTEXT_HEADER, ServiceContextSigner } from '../../platform/contracts/signed-context';
import { DEADLINE_HEADER } from '../../platform/deadline';
import type { SubgraphName } from '../../subgraphs/kit/config';
import { ServiceClient } from '../../subgraphs/kit/service-client';

/** A callee that answers as told; counts connections and keeps what each request carried. */
async function callee(behave: (res: http.ServerResponse) => void, keepAliveMs = 5_000) {
  let connections = 0;
  const seen: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.push({ headers: req.headers, body });
      behave(res);
    });
  });
  server.keepAliveTimeout = keepAliveMs;
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => (server.closeAllConnections(), new Promise((resolve) => server.close(resolve))));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, connections: () => connections, seen };
}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const json = (body: unknown) => (res: http.ServerResponse) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
};

function clientOf(url: string, timeoutMs: number) {
  const urls = { identity: url, interactions: url, consent: url, crm: url } as Record<SubgraphName, string>;
  const client = new ServiceClient(new ServiceContextSigner('interactions', new Map([['identity', randomBytes(32)]])), urls, pino({ level: 'silent' }), timeoutMs);
  closers.push(() => client.close());
  const ask = () => client.request<{ endUserStates: unknown[] }>('identity', 'query S($ids:[ID!]!){endUserStates(ids:$ids){id}}', { ids: ['u1'] }, { requestId: 'r1', tenant: { id: 't1', slug: 'acme' }, clientIp: '127.0.0.1' });
  return { client, ask };
}

const outcome = (asked: Promise<unknown>) => asked.then(() => 'ANSWERED', (error: { code?: string; message?: string }) => error.code ?? String(error));

describe('service calls between subgraphs', () => {
  it('answers the data, with a signed context and what is left of the deadline, over kept-alive connections', async () => {
    const identity = await callee(json({ data: { endUserStates: [{ id: 'u1' }] } }));
    const { ask } = clientOf(identity.url, 2_000);
    for (let i = 0; i < 40; i += 1) expect(await ask()).toEqual({ endUserStates: [{ id: 'u1' }] });
    // The pool may open a second while the first is still being handed back; never one per call.
    expect(identity.connections()).toBeLessThanOrEqual(2);
    const [first] = identity.seen;
    expect(first.headers[CONTEXT_HEADER]).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(Number(first.headers[DEADLINE_HEADER])).toBeGreaterThan(1_000);
    expect(Number(first.headers[DEADLINE_HEADER])).toBeLessThan(2_000);
    expect(JSON.parse(first.body)).toEqual({ query: expect.stringContaining('endUserStates'), variables: { ids: ['u1'] } });
  });

  it('fails closed with UNAVAILABLE at its deadline when the callee never answers, or sends headers and stalls the body', async () => {
    const stalls = [() => undefined, (res: http.ServerResponse) => (res.writeHead(200, { 'content-type': 'application/json' }), res.write('{"data":'))];
    for (const behave of stalls) {
      const identity = await callee(behave);
      const { ask } = clientOf(identity.url, 300);
      const started = Date.now();
      expect(await outcome(ask())).toBe('UNAVAILABLE');
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(250);
      expect(took).toBeLessThan(2_000);
    }
  });

  it('fails closed with UNAVAILABLE on errors in the answer, no data, a body that is no JSON, an HTTP 5xx, or a callee that is down', async () => {
    const answers = [
      json({ errors: [{ message: 'no', extensions: { code: 'FORBIDDEN' } }] }),
      json({ data: null }),
      json(null),
      (res: http.ServerResponse) => res.end('<html>'),
      (res: http.ServerResponse) => ((res.statusCode = 502), res.end('')),
    ];
    for (const behave of answers) {
      const identity = await callee(behave);
      expect(await outcome(clientOf(identity.url, 1_000).ask())).toBe('UNAVAILABLE');
    }
    const down = http.createServer();
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const port = (down.address() as AddressInfo).port;
    await new Promise((resolve) => down.close(resolve));
    expect(await outcome(clientOf(`http://127.0.0.1:${port}/graphql`, 1_000).ask())).toBe('UNAVAILABLE');
  });

  it('lets idle connections go before the callee closes them, so a call never lands on a socket being closed', async () => {
    // The callee closes idle sockets after 300 ms (and says so in its Keep-Alive header): a socket
    // it closed is never reused, so every call after a pause still answers, on a new connection.
    const identity = await callee(json({ data: { endUserStates: [] } }), 300);
    const { ask } = clientOf(identity.url, 1_000);
    for (let i = 0; i < 4; i += 1) {
      expect(await outcome(ask())).toBe('ANSWERED');
      await new Promise((resolve) => setTimeout(resolve, 350));
    }
    expect(identity.connections()).toBe(4);
  });

  it('closes once: closing again (a server closed twice) is harmless', async () => {
    const identity = await callee(json({ data: { endUserStates: [] } }));
    const { client, ask } = clientOf(identity.url, 1_000);
    await ask();
    await client.close();
    // A second close of a closed undici pool rejects (ClientDestroyedError); ours does not.
    await expect(client.close().then(() => 'closed')).resolves.toBe('closed');
  });
});
