import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { PrincipalDirectory } from '../../gateway/auth/principal-directory';
import { LocalAccessEvents, type AccessEvents, type AccessVersions } from '../../platform/access-events';
import { ContextSigner } from '../../platform/contracts/signed-context';

/** A stand-in for identity's /internal routes: counts questions, answers with a channel, may act while answering. */
async function fakeIdentity(answer: { channel: string; status?: () => string; during?: () => Promise<void> }) {
  let asked = 0;
  const server = http.createServer((req, res) => {
    asked += 1;
    void (async () => {
      await answer.during?.();
      const tenant = { id: 't1', slug: 'acme', status: 'ACTIVE', accessPolicy: { mode: 'EVERYONE', cidrs: [] } };
      const body = req.url!.endsWith('/widget-key')
        ? { widget: { tenant, origins: [] }, channel: answer.channel }
        : { tenant, principal: { status: answer.status?.() ?? 'ACTIVE', roles: ['agent'], scopes: [] }, channel: answer.channel };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    asked: () => asked,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const signer = new ContextSigner(randomBytes(32));
const servers: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function setup(options: { ttlMs?: number; channel?: string; events?: AccessEvents; status?: () => string; during?: (events: AccessEvents) => Promise<void> } = {}) {
  const events = options.events ?? new LocalAccessEvents();
  const identity = await fakeIdentity({ channel: options.channel ?? events.channel, status: options.status, during: options.during && (() => options.during!(events)) });
  servers.push(identity);
  const directory = new PrincipalDirectory(identity.url, signer, options.ttlMs ?? 60_000, events);
  servers.push(directory);
  const lookup = () => directory.lookup('acme', 'operator', 'acme-agent', 'r1');
  return { events, identity, directory, lookup };
}

describe('the gateway’s principal directory', () => {
  it('reuses an answer while the tenant’s version is unchanged, and asks again after a bump', async () => {
    const { events, identity, lookup } = await setup();
    await lookup();
    await lookup();
    expect(identity.asked()).toBe(1);
    await events.publish('acme');
    await lookup();
    expect(identity.asked()).toBe(2);
    await events.publish('globex');
    await lookup();
    expect(identity.asked()).toBe(2);
  });

  it('forgets an answer after the TTL, unchanged version or not', async () => {
    const { identity, lookup } = await setup({ ttlMs: 40 });
    await lookup();
    await lookup();
    expect(identity.asked()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 120));
    await lookup();
    expect(identity.asked()).toBe(2);
  });

  it('does not keep an answer fetched while a change committed: the version is read before asking', async () => {
    let revoked = false;
    const { identity, lookup } = await setup({
      status: () => 'ACTIVE',
      // The change commits and is announced while identity is still answering the old state.
      during: async (events) => {
        if (!revoked) {
          revoked = true;
          await events.publish('acme');
        }
      },
    });
    expect((await lookup()).principal.status).toBe('ACTIVE');
    await lookup();
    expect(identity.asked()).toBe(2);
  });

  it('reuses nothing when identity bumps versions in another store (another process, no Redis)', async () => {
    const { identity, lookup } = await setup({ channel: 'local:another-process' });
    await lookup();
    await Promise.all([lookup(), lookup()]);
    await lookup();
    expect(identity.asked()).toBe(4);
  });

  it('reuses nothing when the versions cannot be read', async () => {
    const local = new LocalAccessEvents();
    const unreadable: AccessEvents = { channel: local.channel, assertReachable: async () => undefined, publish: (slug) => local.publish(slug), versions: async (): Promise<AccessVersions | null> => null, tenantVersion: async () => null, bumpTenantVersion: async () => undefined, close: async () => undefined };
    const { identity, lookup } = await setup({ events: unreadable });
    await lookup();
    await lookup();
    expect(identity.asked()).toBe(2);
  });

  it('with ACCESS_CACHE_TTL_MS=0 asks every time and reads no versions', async () => {
    const local = new LocalAccessEvents();
    const versions = jest.fn(local.versions.bind(local));
    const { identity, lookup } = await setup({ ttlMs: 0, events: { channel: local.channel, assertReachable: async () => undefined, publish: (slug) => local.publish(slug), versions, tenantVersion: async () => null, bumpTenantVersion: async () => undefined, close: async () => undefined } });
    await lookup();
    await lookup();
    expect(identity.asked()).toBe(2);
    expect(versions).not.toHaveBeenCalled();
  });

  it('asks again for a widget key after any tenant’s change', async () => {
    const { events, identity, directory } = await setup();
    await directory.widget('cxw_key', 'r1');
    await directory.widget('cxw_key', 'r2');
    expect(identity.asked()).toBe(1);
    await events.publish('globex');
    expect(await directory.widget('cxw_key', 'r3')).toMatchObject({ tenant: { slug: 'acme' } });
    expect(identity.asked()).toBe(2);
  });
});

/** An identity that answers as told: `hang` never answers, `stall` sends its headers and never ends the body. */
async function scriptedIdentity(behave: (res: http.ServerResponse) => void, keepAliveMs = 5_000) {
  let connections = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => behave(res));
  });
  server.keepAliveTimeout = keepAliveMs;
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  servers.push({ close: () => (server.closeAllConnections(), new Promise((resolve) => server.close(resolve))) });
  return { url, connections: () => connections };
}

const answer = (res: http.ServerResponse) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ tenant: { id: 't1', slug: 'acme', status: 'ACTIVE', accessPolicy: { mode: 'EVERYONE', cidrs: [] } }, principal: { status: 'ACTIVE', roles: [], scopes: [] }, channel: 'x' }));
};

function directoryOver(url: string, timeoutMs: number, keepAliveMs = 4_000) {
  const directory = new PrincipalDirectory(url, signer, 0, new LocalAccessEvents(), timeoutMs, { connections: 4, keepAliveMs });
  servers.push(directory);
  return directory;
}

const codeOf = (asked: Promise<unknown>) => asked.then(() => 'ANSWERED', (error: { extensions?: { code?: string } }) => error.extensions?.code ?? String(error));

describe('the principal directory’s connections to identity', () => {
  it('asks over kept-alive connections: forty questions in a row, not forty connections', async () => {
    const identity = await scriptedIdentity(answer);
    const directory = directoryOver(identity.url, 1_000);
    for (let i = 0; i < 40; i += 1) expect(await directory.lookup('acme', 'operator', 'acme-agent', `r${i}`)).toMatchObject({ principal: { status: 'ACTIVE' } });
    // The pool may open a second while the first is still being handed back; never one per question.
    expect(identity.connections()).toBeLessThanOrEqual(2);
  });

  it('answers UNAVAILABLE at its deadline when identity never answers, or sends headers and stalls the body', async () => {
    for (const behave of [() => undefined, (res: http.ServerResponse) => (res.writeHead(200, { 'content-type': 'application/json' }), res.write('{"tenant":'))]) {
      const identity = await scriptedIdentity(behave);
      const directory = directoryOver(identity.url, 300);
      const started = Date.now();
      expect(await codeOf(directory.lookup('acme', 'operator', 'acme-agent', 'r1'))).toBe('UNAVAILABLE');
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(250);
      expect(took).toBeLessThan(2_000);
    }
  });

  it('answers UNAVAILABLE when identity fails (HTTP 5xx, a body that is no JSON) or is down, and a bug for a 4xx', async () => {
    const failing = await scriptedIdentity((res) => (res.statusCode = 503, res.end('{}')));
    expect(await codeOf(directoryOver(failing.url, 1_000).lookup('acme', 'operator', 'a', 'r1'))).toBe('UNAVAILABLE');
    const garbled = await scriptedIdentity((res) => res.end('<html>'));
    expect(await codeOf(directoryOver(garbled.url, 1_000).lookup('acme', 'operator', 'a', 'r1'))).toBe('UNAVAILABLE');
    const refusing = await scriptedIdentity((res) => (res.statusCode = 404, res.end('{}')));
    expect(await codeOf(directoryOver(refusing.url, 1_000).lookup('acme', 'operator', 'a', 'r1'))).toMatch(/answered HTTP 404/);
    const down = http.createServer();
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const port = (down.address() as AddressInfo).port;
    await new Promise((resolve) => down.close(resolve));
    expect(await codeOf(directoryOver(`http://127.0.0.1:${port}/graphql`, 1_000).lookup('acme', 'operator', 'a', 'r1'))).toBe('UNAVAILABLE');
  });

  it('closes idle connections before identity does, so a question never lands on a socket identity is closing', async () => {
    // identity closes idle sockets after 300 ms; the directory lets its own go after 150.
    const identity = await scriptedIdentity(answer, 300);
    const directory = directoryOver(identity.url, 1_000, 150);
    for (let i = 0; i < 4; i += 1) {
      expect(await codeOf(directory.lookup('acme', 'operator', 'acme-agent', `r${i}`))).toBe('ANSWERED');
      await new Promise((resolve) => setTimeout(resolve, 320));
    }
    expect(identity.connections()).toBe(4);
  });
});
