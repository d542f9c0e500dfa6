import { createGatewayServer, type GatewayServer } from '../../gateway/server';
import type { LiveSettings } from '../../gateway/config';
import { bearer } from '../helpers/environment';
import { LiveClient } from '../helpers/live-client';
import { seededStack, type SeededStack } from '../helpers/stack';

let world: SeededStack;
const tokens: Record<string, string> = {};
const clients: LiveClient[] = [];
const gateways: GatewayServer[] = [];

const SEGMENTS = 'subscription($id: ID!, $from: Int) { transcriptSegmentsAdded(interactionId: $id, fromSequence: $from) { sequence text } }';

/** Another gateway over the same subgraphs, with its own live settings. */
async function gatewayWith(live: Partial<LiveSettings>): Promise<string> {
  const config = world.env.gatewayConfig;
  const gateway = await createGatewayServer({ ...config, subgraphUrls: world.stack.subgraphUrls, live: { ...config.live, ...live } });
  gateways.push(gateway);
  return (await gateway.listen(0)).url;
}

async function connect(url: string, token: string) {
  const client = await LiveClient.connect(url, token);
  clients.push(client);
  return client;
}

async function record(token = tokens.agent): Promise<string> {
  const response = await world.as(token).send('mutation { recordInteraction(input: { channel: CHAT, direction: INBOUND, transcript: [{ sequence: 1, speaker: END_USER, text: "hello" }] }) { id } }');
  return response.data.recordInteraction.id;
}

const append = (id: string, segments: { sequence: number; text: string }[]) =>
  world.as(tokens.agent).send('mutation($id: ID!, $s: [TranscriptSegmentInput!]!) { appendTranscriptSegments(interactionId: $id, segments: $s) { appended } }', {
    id,
    s: segments.map((s) => ({ speaker: 'END_USER', ...s })),
  });

async function invite(role: string) {
  const subject = `live-${role}-${Math.random().toString(36).slice(2)}`;
  const invited = await world.as(tokens.admin).send(`mutation { inviteOperator(input: { subject: "${subject}", email: "${subject}@acme.example", roles: [${role.toUpperCase()}] }) { id } }`);
  return { id: invited.data.inviteOperator.id as string, token: await world.env.token({ tenant: 'acme', roles: [role], sub: subject }) };
}

/** graphql-sse's distinct-connections mode: every event of one POST, until the stream ends. */
async function sse(url: string, token: string, query: string, variables: Record<string, unknown>, onEvent: (event: { event: string; data: any }) => void) {
  const response = await fetch(url.replace(/\/graphql$/, '/graphql/stream'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...bearer(token) },
    body: JSON.stringify({ query, variables }),
  });
  if (response.status !== 200) return { status: response.status, body: await response.json() };
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event) onEvent({ event, data: data ? JSON.parse(data) : null });
    }
  }
  return { status: 200, body: null };
}

beforeAll(async () => {
  world = await seededStack({ env: { LIVE_RECHECK_MS: '600000', LIVE_FULL_RECHECK_MS: '600000' } });
  for (const role of ['admin', 'supervisor', 'agent']) tokens[role] = await world.env.token({ tenant: 'acme', roles: [role], sub: `acme-${role}` });
  tokens.globexAgent = await world.env.token({ tenant: 'globex', roles: ['agent'], sub: 'globex-agent' });
  tokens.platform = await world.env.token({ platform: true });
}, 120_000);
afterAll(async () => {
  for (const client of clients) client.close();
  await Promise.all(gateways.map((gateway) => gateway.close()));
  await world?.close();
});

describe('without any event', () => {
  it('a revocation ends a live subscription at the next periodic check, not at token expiry', async () => {
    const url = await gatewayWith({ recheckMs: 50 });
    const operator = await invite('agent');
    const client = await connect(url, operator.token);
    client.subscribe(SEGMENTS, { id: await record() });
    await world.as(tokens.admin).send('mutation($id: ID!) { revokeOperator(id: $id) { status } }', { id: operator.id });
    expect(await client.closed).toEqual({ code: 4403, reason: 'revoked' });
  });

  it('a disabled tenant’s subscriptions end at the next periodic check', async () => {
    const url = await gatewayWith({ recheckMs: 50 });
    const client = await connect(url, tokens.globexAgent);
    client.subscribe(SEGMENTS, { id: await record(tokens.globexAgent) });
    await world.as(tokens.platform).send('mutation($id: ID!) { setTenantStatus(id: $id, status: DISABLED) { status } }', { id: world.globex.id });
    try {
      expect(await client.closed).toEqual({ code: 4403, reason: 'tenant disabled' });
    } finally {
      await world.as(tokens.platform).send('mutation($id: ID!) { setTenantStatus(id: $id, status: ACTIVE) { status } }', { id: world.globex.id });
    }
  });
});

describe('budgets', () => {
  it('a tenant’s live connections are capped per gateway; other tenants are not affected', async () => {
    const url = await gatewayWith({ maxConnectionsPerTenant: 2 });
    const first = await connect(url, tokens.agent);
    const second = await connect(url, tokens.supervisor);
    const third = await connect(url, tokens.agent);
    expect([first.acked, second.acked]).toEqual([true, true]);
    expect(third.closedWith).toEqual({ code: 4429, reason: 'too many connections' });
    expect((await connect(url, tokens.globexAgent)).acked).toBe(true);
    first.close();
    await first.closed;
    const again = await connect(url, tokens.agent);
    await again.until(() => again.acked || again.closedWith !== null);
    expect(again.acked).toBe(true);
  });

  it('a consumer that stops reading is cut with 4413 "slow consumer" instead of being buffered without bound', async () => {
    const url = await gatewayWith({ maxBufferedBytes: 64 * 1024, maxPendingEvents: 4 });
    const id = await record();
    const client = await connect(url, tokens.supervisor);
    const sub = client.subscribe(SEGMENTS, { id });
    await append(id, [{ sequence: 2, text: 'reading' }]);
    await client.nextResults(sub, 1);
    client.socket.pause();
    const text = 'x'.repeat(19_000);
    // About 1 MB a round: past the byte bound and the kernel's socket buffers, then past the event bound.
    for (let round = 0; round < 12; round++) {
      await append(id, Array.from({ length: 50 }, (_, i) => ({ sequence: 3 + round * 50 + i, text })));
    }
    // Reading again, the client gets what was sent before the cut, then the close frame.
    client.socket.resume();
    expect(await client.closed).toEqual({ code: 4413, reason: 'slow consumer' });
    expect(client.results(sub).length).toBeLessThan(12 * 50);
  }, 120_000);
});

describe('over SSE', () => {
  it('delivers stored then live segments, and a revocation ends the stream with a final error naming why', async () => {
    const operator = await invite('agent');
    const id = await record();
    const events: { event: string; data: any }[] = [];
    let wake = () => undefined as void;
    const arrived = (count: number) => new Promise<void>((resolve) => {
      const check = () => (events.filter((e) => e.event === 'next').length >= count ? resolve() : (wake = check));
      check();
    });
    const done = sse(world.stack.gatewayUrl, operator.token, SEGMENTS, { id, from: 0 }, (event) => {
      events.push(event);
      wake();
    });
    await arrived(1);
    await append(id, [{ sequence: 2, text: 'live' }]);
    await arrived(2);
    await world.as(tokens.admin).send('mutation($id: ID!) { revokeOperator(id: $id) { status } }', { id: operator.id });
    await append(id, [{ sequence: 3, text: 'after revocation' }]);
    await done;
    const nexts = events.filter((e) => e.event === 'next').map((e) => e.data);
    expect(nexts.slice(0, 2).map((n) => n.data.transcriptSegmentsAdded.text)).toEqual(['hello', 'live']);
    expect(nexts[2].errors[0].extensions).toMatchObject({ closeCode: 4403, reason: 'revoked' });
    expect(JSON.stringify(events)).not.toContain('after revocation');
    expect(events.at(-1)!.event).toBe('complete');
  });

  it('refuses an SSE stream without a valid token, or for a platform operator, before streaming', async () => {
    const none = await sse(world.stack.gatewayUrl, 'nope', SEGMENTS, { id: 'x' }, () => undefined);
    expect(none.status).toBe(401);
    const platform = await sse(world.stack.gatewayUrl, tokens.platform, SEGMENTS, { id: 'x' }, () => undefined);
    expect(platform.status).toBe(403);
  });
});
