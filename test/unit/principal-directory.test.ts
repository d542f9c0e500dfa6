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
    const unreadable: AccessEvents = { channel: local.channel, assertReachable: async () => undefined, publish: (slug) => local.publish(slug), versions: async (): Promise<AccessVersions | null> => null, close: async () => undefined };
    const { identity, lookup } = await setup({ events: unreadable });
    await lookup();
    await lookup();
    expect(identity.asked()).toBe(2);
  });

  it('with ACCESS_CACHE_TTL_MS=0 asks every time and reads no versions', async () => {
    const local = new LocalAccessEvents();
    const versions = jest.fn(local.versions.bind(local));
    const { identity, lookup } = await setup({ ttlMs: 0, events: { channel: local.channel, assertReachable: async () => undefined, publish: (slug) => local.publish(slug), versions, close: async () => undefined } });
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
