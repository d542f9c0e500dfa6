import { liveEvents } from '../../platform/live-events';
import { LiveClient } from '../helpers/live-client';
import { seededStack, type SeededStack } from '../helpers/stack';

let world: SeededStack;
const tokens: Record<string, string> = {};
const clients: LiveClient[] = [];

const connect = async (token: string | null, headers?: Record<string, string>) => {
  const client = await LiveClient.connect(world.stack.gatewayUrl, token, headers);
  clients.push(client);
  return client;
};

const SEGMENTS = 'subscription($id: ID!, $from: Int) { transcriptSegmentsAdded(interactionId: $id, fromSequence: $from) { sequence speaker said: text } }';
const SSN = '078-05-1120';

async function record(token = tokens.agent, extra = ''): Promise<string> {
  const response = await world.as(token).send(`mutation { recordInteraction(input: { channel: CHAT, direction: INBOUND${extra}, transcript: [{ sequence: 1, speaker: END_USER, text: "hello" }, { sequence: 2, speaker: AGENT, text: "hi" }] }) { id } }`);
  expect(response.errors).toBeUndefined();
  return response.data.recordInteraction.id;
}

async function append(id: string, segments: { sequence: number; text: string }[], token = tokens.agent) {
  const response = await world.as(token).send('mutation($id: ID!, $s: [TranscriptSegmentInput!]!) { appendTranscriptSegments(interactionId: $id, segments: $s) { appended } }', {
    id,
    s: segments.map((s) => ({ speaker: 'END_USER', ...s })),
  });
  expect(response.errors).toBeUndefined();
  return response.data.appendTranscriptSegments.appended as number[];
}

beforeAll(async () => {
  world = await seededStack({ env: { LIVE_RECHECK_MS: '600000', LIVE_FULL_RECHECK_MS: '600000', LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: '4', TRUST_PROXY: 'loopback' } });
  for (const role of ['admin', 'supervisor', 'agent', 'analyst', 'privacy_officer']) {
    tokens[role] = await world.env.token({ tenant: 'acme', roles: [role], sub: `acme-${role}` });
  }
  tokens.globexAgent = await world.env.token({ tenant: 'globex', roles: ['agent'], sub: 'globex-agent' });
  tokens.globexAdmin = await world.env.token({ tenant: 'globex', roles: ['admin'], sub: 'globex-admin' });
  tokens.platform = await world.env.token({ platform: true });
}, 120_000);
afterAll(async () => {
  for (const client of clients) client.close();
  await world?.close();
});

describe('transcriptSegmentsAdded', () => {
  it('delivers stored segments after fromSequence, then appended ones in order, redacted, under the subscriber’s aliases', async () => {
    const id = await record();
    const client = await connect(tokens.supervisor);
    const sub = client.subscribe(SEGMENTS, { id, from: 1 });
    expect((await client.nextResults(sub, 1))[0].data.transcriptSegmentsAdded).toEqual({ sequence: 2, speaker: 'AGENT', said: 'hi' });
    await append(id, [{ sequence: 4, text: 'four' }, { sequence: 3, text: `my ssn is ${SSN}` }]);
    await append(id, [{ sequence: 5, text: 'five' }]);
    const results = await client.nextResults(sub, 4);
    expect(results.map((r) => r.data.transcriptSegmentsAdded.sequence)).toEqual([2, 3, 4, 5]);
    expect(results[1].data.transcriptSegmentsAdded.said).toBe('my ssn is [SSN REDACTED]');
    expect(JSON.stringify(results)).not.toContain(SSN);
  });

  it('keeps the subscriber’s fragments, directives and variables in what it resolves', async () => {
    const id = await record();
    await append(id, [{ sequence: 3, text: `card 4111 1111 1111 1111 and ${SSN}` }]);
    const client = await connect(tokens.supervisor);
    const sub = client.subscribe(
      `subscription($id: ID!, $counts: Boolean!) { transcriptSegmentsAdded(interactionId: $id, fromSequence: 2) { ...Line ... on TranscriptSegment { n: sequence } } }
       fragment Line on TranscriptSegment { text redactions @include(if: $counts) { total ssn paymentCard } }`,
      { id, counts: true },
    );
    const [result] = await client.nextResults(sub, 1);
    expect(result.data.transcriptSegmentsAdded).toEqual({ n: 3, text: 'card [CARD REDACTED] and [SSN REDACTED]', redactions: { total: 2, ssn: 1, paymentCard: 1 } });
  });

  it('a repeat of a stored segment is not delivered again; without fromSequence only new segments come', async () => {
    const id = await record();
    const client = await connect(tokens.agent);
    const sub = client.subscribe(SEGMENTS, { id });
    await append(id, [{ sequence: 2, text: 'hi' }].map((s) => ({ ...s, speaker: 'AGENT' })) as never);
    await append(id, [{ sequence: 3, text: 'three' }]);
    const results = await client.nextResults(sub, 1);
    expect(results.map((r) => r.data.transcriptSegmentsAdded.sequence)).toEqual([3]);
  });

  it('another tenant’s interaction id yields nothing, whether its tenant appends or an event names it on this tenant’s channel', async () => {
    const foreign = await record(tokens.globexAgent);
    const own = await record();
    const client = await connect(tokens.supervisor);
    const spy = client.subscribe(SEGMENTS, { id: foreign, from: 0 });
    await append(foreign, [{ sequence: 3, text: 'globex secret' }], tokens.globexAgent);
    // A forged event on acme's channel naming globex's interaction: resolved as the acme caller, it is not there.
    await liveEvents().publish({ kind: 'segments', tenantId: world.acme.id, interactionId: foreign, sequences: [1, 2, 3] });
    const sentinel = client.subscribe(SEGMENTS, { id: own });
    await append(own, [{ sequence: 3, text: 'sentinel' }]);
    await client.nextResults(sentinel, 1);
    expect(client.results(spy)).toEqual([]);
    expect(JSON.stringify([...client.frames.values()])).not.toContain('globex secret');
  });

  it('callers without transcripts:read get the query’s refusal, never segments', async () => {
    const id = await record();
    const client = await connect(tokens.analyst);
    const sub = client.subscribe(SEGMENTS, { id, from: 0 });
    const [first] = await client.nextResults(sub, 1);
    expect(first.data).toBeNull();
    expect(first.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(JSON.stringify(first)).not.toContain('hello');
  });

  it('a restricted person’s transcript is hidden from a supervisor and shown to a privacy officer, stored or live', async () => {
    const { data } = await world.as(tokens.admin).send('mutation { createEndUser(input: { firstName: "Rita", lastName: "Stricted" }) { id } }');
    const person = data.createEndUser.id;
    const id = await record(tokens.agent, `, endUserId: "${person}"`);
    const restricted = await world.as(tokens.privacy_officer).send('mutation($input: CreatePrivacyRequestInput!) { createPrivacyRequest(input: $input) { status } }', { input: { endUserId: person, kind: 'RESTRICTION' } });
    expect(restricted.data.createPrivacyRequest.status).toBe('COMPLETED');
    const supervisor = await connect(tokens.supervisor);
    const officer = await connect(tokens.privacy_officer);
    const hidden = supervisor.subscribe(SEGMENTS, { id, from: 0 });
    const shown = officer.subscribe(SEGMENTS, { id, from: 0 });
    expect((await officer.nextResults(shown, 2)).map((r) => r.data.transcriptSegmentsAdded.sequence)).toEqual([1, 2]);
    // An event committed just before the restriction, heard after it.
    await liveEvents().publish({ kind: 'segments', tenantId: world.acme.id, interactionId: id, sequences: [1, 2] });
    const own = await record();
    const sentinel = supervisor.subscribe(SEGMENTS, { id: own });
    await append(own, [{ sequence: 3, text: 'sentinel' }]);
    await supervisor.nextResults(sentinel, 1);
    expect(supervisor.results(hidden)).toEqual([]);
  });
});

describe('interactionActivity', () => {
  it('announces started, transferred and ended interactions of the caller’s tenant and queue only', async () => {
    const client = await connect(tokens.supervisor);
    const board = client.subscribe('subscription { interactionActivity(queue: "billing") { kind interaction { id queue endedAt } } }');
    const all = client.subscribe('subscription { interactionActivity { what: kind interaction { queue } } }');
    await record(tokens.globexAgent, ', queue: "billing"');
    const id = await record(tokens.agent, ', queue: "billing"');
    await record(tokens.agent, ', queue: "sales"');
    expect((await world.as(tokens.agent).send('mutation($id: ID!) { transferInteraction(id: $id, queue: "retention") { queue } }', { id })).data.transferInteraction.queue).toBe('retention');
    await world.as(tokens.agent).send('mutation($id: ID!) { endInteraction(id: $id) { id } }', { id });
    const everything = await client.nextResults(all, 4);
    expect(everything.map((r) => [r.data.interactionActivity.what, r.data.interactionActivity.interaction.queue])).toEqual([
      ['STARTED', 'billing'],
      ['STARTED', 'sales'],
      ['TRANSFERRED', 'retention'],
      ['ENDED', 'retention'],
    ]);
    const billing = client.results(board);
    expect(billing).toHaveLength(1);
    expect(billing[0].data.interactionActivity).toEqual({ kind: 'STARTED', interaction: { id, queue: 'billing', endedAt: null } });
  });
});

describe('admission', () => {
  it('refuses a connection without a valid token, and platform operators', async () => {
    expect((await connect(null)).closedWith).toEqual({ code: 4401, reason: 'unauthenticated' });
    expect((await connect('not-a-token')).closedWith).toEqual({ code: 4401, reason: 'unauthenticated' });
    expect((await connect(tokens.platform)).closedWith).toEqual({ code: 4403, reason: 'forbidden' });
  });

  it('serves only subscriptions over WebSocket, refuses reserved aliases, and caps subscriptions per connection', async () => {
    const id = await record();
    const client = await connect(tokens.agent);
    const query = client.subscribe('{ me { tenant { slug } } }');
    const reserved = client.subscribe('subscription($id: ID!) { transcriptSegmentsAdded(interactionId: $id) { _cxLiveSequence: text } }', { id });
    await client.nextResults(reserved, 1);
    expect(client.frames.get(query)![0]).toMatchObject({ type: 'error' });
    expect(client.frames.get(reserved)![0].payload[0].extensions.code).toBe('BAD_USER_INPUT');
    const subs = [1, 2, 3, 4, 5].map(() => client.subscribe(SEGMENTS, { id }));
    await client.nextResults(subs[4], 1);
    expect(client.frames.get(subs[4])![0].payload[0].extensions.code).toBe('RATE_LIMITED');
    expect(client.frames.get(subs[3])).toEqual([]);
  });

  it('refuses a subscription sent over plain HTTP', async () => {
    const response = await world.as(tokens.agent).send('subscription { interactionActivity { kind } }');
    expect(response.status).toBe(400);
  });

  it('revocation ends a live subscription on the next event, with 4403 "revoked", before anything is delivered', async () => {
    const subject = `live-${Date.now()}`;
    const invited = await world.as(tokens.admin).send(`mutation { inviteOperator(input: { subject: "${subject}", email: "${subject}@acme.example", roles: [AGENT] }) { id } }`);
    const token = await world.env.token({ tenant: 'acme', roles: ['agent'], sub: subject });
    const id = await record();
    const client = await connect(token);
    const sub = client.subscribe(SEGMENTS, { id });
    await append(id, [{ sequence: 3, text: 'before' }]);
    await client.nextResults(sub, 1);
    await world.as(tokens.admin).send('mutation($id: ID!) { revokeOperator(id: $id) { status } }', { id: invited.data.inviteOperator.id });
    await append(id, [{ sequence: 4, text: 'after revocation' }]);
    expect(await client.closed).toEqual({ code: 4403, reason: 'revoked' });
    expect(client.results(sub).map((r) => r.data.transcriptSegmentsAdded.said)).toEqual(['before']);
  });

  it('a role change ends a live subscription on the next event', async () => {
    const subject = `live-role-${Date.now()}`;
    const invited = await world.as(tokens.admin).send(`mutation { inviteOperator(input: { subject: "${subject}", email: "${subject}@acme.example", roles: [SUPERVISOR] }) { id } }`);
    const token = await world.env.token({ tenant: 'acme', roles: ['supervisor'], sub: subject });
    const id = await record();
    const client = await connect(token);
    client.subscribe(SEGMENTS, { id });
    await world.as(tokens.admin).send('mutation($id: ID!) { setOperatorRoles(id: $id, roles: [ANALYST]) { id } }', { id: invited.data.inviteOperator.id });
    await append(id, [{ sequence: 3, text: 'after the change' }]);
    expect(await client.closed).toEqual({ code: 4403, reason: 'roles changed' });
  });

  it('an address taken off the allowlist ends a live subscription from it (address through a trusted proxy)', async () => {
    await world.as(tokens.admin).send('mutation { updateTenantAccessPolicy(input: { mode: ALLOWLIST, cidrs: ["127.0.0.0/8", "203.0.113.0/24"] }) { id } }');
    try {
      const id = await record();
      const client = await connect(tokens.supervisor, { 'x-forwarded-for': '203.0.113.9' });
      expect(client.acked).toBe(true);
      const outsider = await connect(tokens.supervisor, { 'x-forwarded-for': '198.51.100.7' });
      expect(outsider.closedWith).toEqual({ code: 4403, reason: 'ip not allowed' });
      client.subscribe(SEGMENTS, { id });
      await world.as(tokens.admin).send('mutation { updateTenantAccessPolicy(input: { mode: ALLOWLIST, cidrs: ["127.0.0.0/8"] }) { id } }');
      await append(id, [{ sequence: 3, text: 'after the change' }]);
      expect(await client.closed).toEqual({ code: 4403, reason: 'ip not allowed' });
    } finally {
      await world.as(tokens.admin).send('mutation { updateTenantAccessPolicy(input: { mode: EVERYONE, cidrs: [] }) { id } }');
    }
  });

  it('a disabled tenant’s live subscriptions end on the next event', async () => {
    const id = await record(tokens.globexAgent);
    const client = await connect(tokens.globexAgent);
    client.subscribe(SEGMENTS, { id });
    await world.as(tokens.platform).send('mutation($id: ID!) { setTenantStatus(id: $id, status: DISABLED) { status } }', { id: world.globex.id });
    try {
      // The subgraph refuses the disabled tenant's own writes; an event still in flight is checked first.
      await liveEvents().publish({ kind: 'segments', tenantId: world.globex.id, interactionId: id, sequences: [1] });
      expect(await client.closed).toEqual({ code: 4403, reason: 'tenant disabled' });
      expect((await connect(tokens.globexAgent)).closedWith).toEqual({ code: 4403, reason: 'tenant disabled' });
    } finally {
      await world.as(tokens.platform).send('mutation($id: ID!) { setTenantStatus(id: $id, status: ACTIVE) { status } }', { id: world.globex.id });
    }
  });
});
