import { In } from 'typeorm';
import { Interaction } from '../../subgraphs/interactions/entities/interaction.entity';
import { InteractionSettings } from '../../subgraphs/interactions/entities/interaction-settings.entity';
import { TranscriptSegment } from '../../subgraphs/interactions/entities/transcript-segment.entity';
import { RetentionService } from '../../subgraphs/interactions/services/retention.service';
import { keySubjectOf, openSegments } from '../../subgraphs/interactions/services/transcript-cipher';
import { decodeSecret, serviceLinkKey, ServiceContextSigner } from '../../subgraphs/shared/auth/signed-context';
import { createLogger } from '../../subgraphs/shared/logger';
import { deriveServiceKeys, ServiceClient } from '../../subgraphs/shared/service-client';
import { newId } from '../../subgraphs/shared/tenant-entity';
import { TenantScope } from '../../subgraphs/shared/tenant-repository';
import { bearer, callSubgraph, codes, memberClaims, postGraphQL, type GraphQLResponse } from '../helpers/environment';
import { consentStandIn } from '../helpers/consent-stand-in';
import { captureLogs } from '../helpers/log-capture';
import { seededStack, type SeededStack } from '../helpers/stack';

const logs = captureLogs();
let world: SeededStack;
let consent: Awaited<ReturnType<typeof consentStandIn>>;
const tokens: Record<string, string> = {};

const gql = (query: string, variables?: Record<string, unknown>, token = tokens.agent) =>
  postGraphQL(world.stack.gatewayUrl, query, variables, bearer(token));
const interactionsDb = () => world.stack.subgraphs.interactions.dataSource;

function expectRefused(response: GraphQLResponse, code: string, field?: string) {
  expect(codes(response)).toContain(code);
  if (field) expect(response.errors!.find((e) => e.extensions?.code === code)!.extensions!.field).toBe(field);
}

const RECORD = `mutation($input: RecordInteractionInput!) {
  recordInteraction(input: $input) { id channel direction handleSeconds transcript { edges { node { sequence speaker text redactions { total ssn paymentCard pattern } } } } }
}`;
const APPEND = `mutation($id: ID!, $segments: [TranscriptSegmentInput!]!) {
  appendTranscriptSegments(interactionId: $id, segments: $segments) { appended duplicates redactions interaction { id } }
}`;
const TRANSCRIPT = 'query($id: ID!, $after: String) { interaction(id: $id) { transcript(first: 2, after: $after) { edges { node { sequence text } } pageInfo { hasNextPage endCursor } } } }';
const METRICS = `query($from: String!, $to: String!, $groupBy: [MetricDimension!]) {
  interactionMetrics(from: $from, to: $to, groupBy: $groupBy) { minGroupSize suppressedGroups groups { day channel queue interactions distinctCallers handledInteractions totalHandleSeconds averageHandleSeconds } }
}`;

const SSN = '078-05-1120';
const CARD = '4111 1111 1111 1111';

beforeAll(async () => {
  consent = await consentStandIn(() => world.env.keys);
  world = await seededStack({ env: { CONSENT_URL: consent.url }, logger: logs.logger });
  for (const role of ['admin', 'supervisor', 'agent', 'analyst', 'privacy_officer', 'integrator']) {
    tokens[role] = await world.env.token({ tenant: 'acme', roles: [role], sub: `acme-${role}` });
  }
  tokens.globexAdmin = await world.env.token({ tenant: 'globex', roles: ['admin'], sub: 'globex-admin' });
});
afterAll(async () => {
  await world?.close();
  await consent?.close();
});

/** Stored segments with their text decrypted as the subgraph does (under the interaction's key). */
async function storedSegments(interactionId: string): Promise<TranscriptSegment[]> {
  const rows = await interactionsDb().getRepository(TranscriptSegment).find({ where: { interactionId }, order: { sequence: 'ASC' } });
  const interaction = await interactionsDb().getRepository(Interaction).findOneByOrFail({ id: interactionId });
  return openSegments(world.stack.subgraphs.interactions.keyring.subjects(interaction.tenantId), keySubjectOf(interaction), rows);
}

async function recordChat(transcript: unknown[] = [], extra: Record<string, unknown> = {}) {
  const response = await gql(RECORD, { input: { channel: 'CHAT', direction: 'INBOUND', transcript, ...extra } });
  expect(response.errors).toBeUndefined();
  return response.data.recordInteraction;
}

describe('redaction at ingest', () => {
  it('stores a transcript with an SSN and a card number redacted, counted, and the originals nowhere', async () => {
    const recorded = await recordChat([
      { sequence: 1, speaker: 'END_USER', text: `My SSN is ${SSN} and my card is ${CARD}.` },
      { sequence: 2, speaker: 'AGENT', text: 'Thank you.' },
    ]);
    expect(recorded.transcript.edges.map((e: any) => e.node)).toEqual([
      { sequence: 1, speaker: 'END_USER', text: 'My SSN is [SSN REDACTED] and my card is [CARD REDACTED].', redactions: { total: 2, ssn: 1, paymentCard: 1, pattern: 0 } },
      { sequence: 2, speaker: 'AGENT', text: 'Thank you.', redactions: { total: 0, ssn: 0, paymentCard: 0, pattern: 0 } },
    ]);
    const appended = await gql(APPEND, { id: recorded.id, segments: [{ sequence: 3, speaker: 'END_USER', text: `again: 4111-1111-1111-1111, ssn 219099999` }] });
    expect(appended.data.appendTranscriptSegments).toMatchObject({ appended: [3], duplicates: [], redactions: 2 });

    const rows = JSON.stringify(await interactionsDb().query('SELECT * FROM transcript_segments'));
    for (const original of [SSN, CARD, '4111111111111111', '4111-1111-1111-1111', '219099999']) expect(rows).not.toContain(original);
    const stored = await storedSegments(recorded.id);
    expect(stored.map((s) => [s.text, s.ssnRedactions, s.cardRedactions])).toEqual([
      ['My SSN is [SSN REDACTED] and my card is [CARD REDACTED].', 1, 1],
      ['Thank you.', 0, 0],
      ['again: [CARD REDACTED], ssn [SSN REDACTED]', 1, 1],
    ]);
    expect(logs.lines.join('\n')).not.toContain(SSN);
  });

  it('applies the tenant’s configured patterns, which only a tenant admin may set', async () => {
    const UPDATE = 'mutation($input: UpdateInteractionSettingsInput!) { updateInteractionSettings(input: $input) { minGroupSize transcriptRetentionDays redactionPatterns { name pattern } } }';
    const input = { redactionPatterns: [{ name: 'member_id', pattern: 'MBR-\\d{6}' }] };
    for (const role of ['agent', 'supervisor', 'analyst', 'privacy_officer']) {
      expectRefused(await gql(UPDATE, { input }, tokens[role]), 'FORBIDDEN');
      expectRefused(await gql('{ interactionSettings { minGroupSize } }', undefined, tokens[role]), 'FORBIDDEN');
    }
    expectRefused(await gql(UPDATE, { input: { redactionPatterns: [{ name: 'bad', pattern: '(a+)+$' }] } }, tokens.admin), 'BAD_USER_INPUT', 'redactionPatterns[0].pattern');
    expectRefused(await gql(UPDATE, { input: { redactionPatterns: [{ name: '1x', pattern: 'x' }] } }, tokens.admin), 'BAD_USER_INPUT', 'redactionPatterns[0].name');
    const updated = await gql(UPDATE, { input }, tokens.admin);
    expect(updated.data.updateInteractionSettings).toEqual({ minGroupSize: 11, transcriptRetentionDays: 365, redactionPatterns: input.redactionPatterns });

    const recorded = await recordChat([{ sequence: 1, speaker: 'END_USER', text: 'member MBR-123456 here' }]);
    expect(recorded.transcript.edges[0].node).toMatchObject({ text: 'member [MEMBER_ID REDACTED] here', redactions: { pattern: 1 } });
    // Another tenant's patterns are its own.
    const globex = await gql(RECORD, { input: { channel: 'CHAT', direction: 'INBOUND', transcript: [{ sequence: 1, speaker: 'END_USER', text: 'MBR-123456' }] } }, tokens.globexAdmin);
    expect(globex.data.recordInteraction.transcript.edges[0].node.text).toBe('MBR-123456');
    await gql(UPDATE, { input: { redactionPatterns: [] } }, tokens.admin);
  });
});

describe('live transcript ingestion', () => {
  it('stores segments arriving out of order and reads them back in sequence, page by page', async () => {
    const { id } = await recordChat();
    for (const sequence of [3, 1, 5, 2, 4]) {
      const response = await gql(APPEND, { id, segments: [{ sequence, speaker: sequence % 2 ? 'END_USER' : 'AGENT', text: `line ${sequence}` }] });
      expect(response.data.appendTranscriptSegments.appended).toEqual([sequence]);
    }
    const seen: number[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = (await gql(TRANSCRIPT, { id, after })).data.interaction.transcript;
      seen.push(...page.edges.map((e: any) => e.node.sequence));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('ignores and reports a repeated segment; refuses a different one at a stored sequence and stores nothing of that batch', async () => {
    const { id } = await recordChat([{ sequence: 1, speaker: 'END_USER', text: `card ${CARD}` }]);
    const repeat = await gql(APPEND, { id, segments: [{ sequence: 1, speaker: 'END_USER', text: `card ${CARD}` }, { sequence: 2, speaker: 'AGENT', text: 'ok' }] });
    expect(repeat.data.appendTranscriptSegments).toMatchObject({ appended: [2], duplicates: [1] });

    const clash = await gql(APPEND, { id, segments: [{ sequence: 3, speaker: 'AGENT', text: 'new' }, { sequence: 2, speaker: 'AGENT', text: 'different' }] });
    expectRefused(clash, 'CONFLICT', 'segments[1].sequence');
    const stored = await storedSegments(id);
    expect(stored.map((s) => [s.sequence, s.text])).toEqual([[1, 'card [CARD REDACTED]'], [2, 'ok']]);
  });

  it('lets exactly one of two racing appends at the same sequence land', async () => {
    const { id } = await recordChat();
    const race = await Promise.all(['first', 'second'].map((text) => gql(APPEND, { id, segments: [{ sequence: 1, speaker: 'AGENT', text }] })));
    expect(race.filter((r) => r.data?.appendTranscriptSegments?.appended?.length === 1)).toHaveLength(1);
    expect(race.flatMap(codes)).toEqual(['CONFLICT']);
    const same = await recordChat();
    const twins = await Promise.all([1, 2].map(() => gql(APPEND, { id: same.id, segments: [{ sequence: 1, speaker: 'AGENT', text: 'same' }] })));
    expect(twins.map((r) => r.data.appendTranscriptSegments.appended.length).sort()).toEqual([0, 1]);
    expect(await interactionsDb().getRepository(TranscriptSegment).count({ where: { interactionId: In([id, same.id]) } })).toBe(2);
  });

  it('validates batches, texts and sequences by field, and finds no other tenant’s interaction', async () => {
    const { id } = await recordChat();
    const segment = (n: number, text = 'x') => ({ sequence: n, speaker: 'AGENT', text });
    expectRefused(await gql(APPEND, { id, segments: [] }), 'BAD_USER_INPUT', 'segments');
    expectRefused(await gql(APPEND, { id, segments: Array.from({ length: 201 }, (_, n) => segment(n + 1)) }), 'BAD_USER_INPUT', 'segments');
    expectRefused(await gql(APPEND, { id, segments: [segment(1), segment(2, 'y'.repeat(20_001))] }), 'BAD_USER_INPUT', 'segments[1].text');
    expectRefused(await gql(APPEND, { id, segments: [segment(0)] }), 'BAD_USER_INPUT', 'segments[0].sequence');
    expectRefused(await gql(APPEND, { id, segments: [segment(4, 'a'), segment(4, 'b')] }), 'BAD_USER_INPUT', 'segments[1].sequence');
    expect(await interactionsDb().getRepository(TranscriptSegment).count({ where: { interactionId: id } })).toBe(0);

    const globexOwn = await gql(RECORD, { input: { channel: 'SMS', direction: 'INBOUND' } }, tokens.globexAdmin);
    const foreign = globexOwn.data.recordInteraction.id;
    expectRefused(await gql(APPEND, { id: foreign, segments: [segment(1)] }, tokens.admin), 'NOT_FOUND');
    expectRefused(await gql('mutation($id: ID!) { endInteraction(id: $id) { id } }', { id: foreign }, tokens.admin), 'NOT_FOUND');
    expect(await interactionsDb().getRepository(TranscriptSegment).count({ where: { interactionId: foreign } })).toBe(0);
  });

  it('records every channel both ways with agent, queue, timing and disposition, and ends an open interaction', async () => {
    for (const channel of ['VOICE', 'CHAT', 'EMAIL', 'SMS', 'SOCIAL']) {
      const response = await gql(RECORD, {
        input: { channel, direction: 'INBOUND', agentId: 'acme-agent-1', queue: 'billing', startedAt: '2026-03-01T10:00:00.000Z', endedAt: '2026-03-01T10:05:30.000Z', disposition: 'RESOLVED' },
      });
      expect(response.data.recordInteraction).toMatchObject({ channel, direction: 'INBOUND', handleSeconds: 330 });
    }
    const open = await recordChat([], { startedAt: '2026-03-01T10:00:00.000Z' });
    expect(open.handleSeconds).toBeNull();
    const ended = await gql('mutation($id: ID!) { endInteraction(id: $id, input: { endedAt: "2026-03-01T10:01:00.000Z", disposition: "CALLBACK" }) { handleSeconds disposition } }', { id: open.id });
    expect(ended.data.endInteraction).toEqual({ handleSeconds: 60, disposition: 'CALLBACK' });
    expectRefused(await gql('mutation($id: ID!) { endInteraction(id: $id, input: { endedAt: "2026-02-01T00:00:00.000Z" }) { id } }', { id: open.id }), 'BAD_USER_INPUT', 'endedAt');
  });
});

describe('outbound contact', () => {
  const outbound = (endUserId: string | undefined, channel = 'SMS') =>
    gql(RECORD, { input: { endUserId, channel, direction: 'OUTBOUND', transcript: [{ sequence: 1, speaker: 'AGENT', text: 'Hello from Acme' }] } });
  const rowsFor = (endUserId: string) => interactionsDb().getRepository(Interaction).count({ where: { endUserId, direction: 'OUTBOUND' as never } });

  it('is refused when the end-user opted out of the channel, or is restricted, and nothing is recorded', async () => {
    const [optedOut, restricted] = [world.acme.endUserIds[0], world.acme.endUserIds[1]];
    consent.decide(world.acme.id, optedOut, 'SMS', { allowed: false, reason: 'OPTED_OUT' });
    consent.decide(world.acme.id, restricted, 'EMAIL', { allowed: false, reason: 'RESTRICTED' });
    const before = [await rowsFor(optedOut), await rowsFor(restricted), await interactionsDb().getRepository(TranscriptSegment).count()];

    const refused = await outbound(optedOut, 'SMS');
    expectRefused(refused, 'FORBIDDEN');
    expect(refused.errors![0].message).toMatch(/opted out of SMS/);
    expect(refused.data).toBeNull();
    // To an agent a restricted person is not there; only those who may see restricted persons are told why.
    const limited = await outbound(restricted, 'EMAIL');
    expectRefused(limited, 'NOT_FOUND');
    expect(limited.errors![0].message).not.toMatch(/restricted/);
    const toAdmin = await gql(RECORD, { input: { endUserId: restricted, channel: 'EMAIL', direction: 'OUTBOUND' } }, tokens.admin);
    expectRefused(toAdmin, 'FORBIDDEN');
    expect(toAdmin.errors![0].message).toMatch(/restricted/);
    expect([await rowsFor(optedOut), await rowsFor(restricted), await interactionsDb().getRepository(TranscriptSegment).count()]).toEqual(before);

    // Opted out of SMS only: email is still allowed, and recorded.
    expect((await outbound(optedOut, 'EMAIL')).data.recordInteraction.direction).toBe('OUTBOUND');
    expect(await rowsFor(optedOut)).toBe(before[0] + 1);
  });

  it('asks consent over the signed service link, for the caller’s tenant; inbound asks nothing', async () => {
    const asked = consent.calls.length;
    await outbound(world.acme.endUserIds[2], 'VOICE');
    const call = consent.calls.at(-1)!;
    expect(consent.calls.length).toBe(asked + 1);
    expect(call.claims.principal).toMatchObject({ kind: 'subgraph', id: 'interactions' });
    expect(call.claims.tenant).toEqual({ id: world.acme.id, slug: 'acme' });
    expect(call.variables).toEqual({ endUserId: world.acme.endUserIds[2], channel: 'VOICE' });
    await recordChat([], { endUserId: world.acme.endUserIds[0] });
    expect(consent.calls.length).toBe(asked + 1);
  });

  it('fails closed: consent down or answering errors is UNAVAILABLE and records nothing', async () => {
    const endUserId = world.acme.endUserIds[3];
    const before = await rowsFor(endUserId);
    await consent.stop();
    try {
      const down = await outbound(endUserId);
      expectRefused(down, 'UNAVAILABLE');
      expect(down.errors![0].message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
    } finally {
      await consent.start();
    }
    consent.answerWithErrors(true);
    try {
      expectRefused(await outbound(endUserId), 'UNAVAILABLE');
    } finally {
      consent.answerWithErrors(false);
    }
    expect(await rowsFor(endUserId)).toBe(before);
  });

  it('needs the end-user: BAD_USER_INPUT naming endUserId', async () => {
    expectRefused(await outbound(undefined), 'BAD_USER_INPUT', 'endUserId');
  });
});

// Metrics, their privacy guarantee and the attacks on it: test/e2e/metrics.test.ts.

describe('an analyst’s token', () => {
  it('reads metrics and nothing else', async () => {
    const token = tokens.analyst;
    expect((await gql(METRICS, { from: '2026-01-01', to: '2026-01-31' }, token)).errors).toBeUndefined();
    const [interaction] = await interactionsDb().getRepository(Interaction).find({ where: { tenantId: world.acme.id }, take: 1 });
    const endUserId = world.acme.endUserIds[0];
    const refusals: [string, Record<string, unknown> | undefined][] = [
      ['query($id: ID!) { interaction(id: $id) { id } }', { id: interaction.id }],
      ['query($id: ID!) { interaction(id: $id) { transcript { edges { node { text } } } } }', { id: interaction.id }],
      ['query($id: ID!) { endUser(id: $id) { id interactions { edges { node { id } } } } }', { id: endUserId }],
      ['{ endUsers { edges { node { id } } } }', undefined],
      ['{ interactionSettings { minGroupSize } }', undefined],
      ['mutation { recordInteraction(input: { channel: CHAT, direction: INBOUND }) { id } }', undefined],
      ['mutation($id: ID!) { appendTranscriptSegments(interactionId: $id, segments: [{ sequence: 99, speaker: AGENT, text: "x" }]) { appended } }', { id: interaction.id }],
      ['mutation($id: ID!) { endInteraction(id: $id) { id } }', { id: interaction.id }],
      ['mutation { updateInteractionSettings(input: { minGroupSize: 5 }) { minGroupSize } }', undefined],
      ['{ auditEvents { edges { node { id } } } }', undefined],
      ['{ crmConnections { edges { node { id } } } }', undefined],
      ['{ policyVersions { edges { node { id } } } }', undefined],
      ['{ contactOptOuts { edges { node { id } } } }', undefined],
      ['{ privacyRequests { edges { node { id } } } }', undefined],
      ['{ legalHolds { edges { node { id } } } }', undefined],
    ];
    for (const [query, variables] of refusals) {
      const response = await gql(query, variables, token);
      expect({ query, codes: codes(response) }).toEqual({ query, codes: expect.arrayContaining(['FORBIDDEN']) });
      expect(JSON.stringify(response.data ?? {})).not.toMatch(/"id":"[0-9a-f-]{36}"/);
    }
    expect(await interactionsDb().getRepository(TranscriptSegment).count({ where: { interactionId: interaction.id, sequence: 99 } })).toBe(0);
    // Entity references straight to the subgraph, signed as the gateway would for this analyst.
    const entities = await callSubgraph(
      await world.env.signer(), 'interactions', world.stack.subgraphUrls.interactions, memberClaims(world.acme, ['analyst']),
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Interaction { id channel } ... on EndUser { interactions { edges { node { id } } } } } }',
      { r: [{ __typename: 'Interaction', id: interaction.id }, { __typename: 'EndUser', id: endUserId }] },
    );
    expect(codes(entities)).toContain('FORBIDDEN');
    expect(JSON.stringify(entities.data ?? {})).not.toContain(interaction.id);
  });

  it('is the only kind without metrics it may read: agents and integrators are refused metrics', async () => {
    for (const role of ['agent', 'integrator', 'privacy_officer']) {
      expectRefused(await gql(METRICS, { from: '2026-01-01', to: '2026-01-31' }, tokens[role]), 'FORBIDDEN');
    }
    expect((await gql(METRICS, { from: '2026-01-01', to: '2026-01-31' }, tokens.supervisor)).errors).toBeUndefined();
  });
});

describe('transcript retention', () => {
  it('purges only transcripts past each tenant’s period, counted from the interaction’s end', async () => {
    const day = 86_400_000;
    const now = new Date();
    const scopeFor = (tenantId: string) => TenantScope.of(interactionsDb(), tenantId);
    const acme = scopeFor(world.acme.id);
    const globex = scopeFor(world.globex.id);
    const settings = acme.repo(InteractionSettings);
    await settings.save(Object.assign((await settings.findOne({})) ?? settings.create({ minGroupSize: 11, redactionPatterns: [] }), { transcriptRetentionDays: 30 }));

    const make = async (scope: TenantScope, startedDaysAgo: number, endedDaysAgo: number | null) => {
      const interaction = await scope.repo(Interaction).save(scope.repo(Interaction).create({
        channel: 'CHAT' as never, direction: 'INBOUND' as never, endUserId: null,
        startedAt: new Date(now.getTime() - startedDaysAgo * day),
        endedAt: endedDaysAgo === null ? null : new Date(now.getTime() - endedDaysAgo * day),
      }));
      const segments = scope.repo(TranscriptSegment);
      await segments.saveMany([1, 2].map((sequence) => segments.create({ interactionId: interaction.id, sequence, speaker: 'AGENT' as never, text: 'x', occurredAt: interaction.startedAt })));
      return interaction.id;
    };
    const expiredEnded = await make(acme, 41, 40);
    const expiredOpen = await make(acme, 45, null);
    const endedRecently = await make(acme, 40, 20);
    const recent = await make(acme, 2, 1);
    const otherTenant = await make(globex, 41, 40);
    const count = (id: string) => interactionsDb().getRepository(TranscriptSegment).count({ where: { interactionId: id } });
    const acmeBefore = await interactionsDb().getRepository(TranscriptSegment).count({ where: { tenantId: world.acme.id } });

    const results = await new RetentionService(interactionsDb()).purgeAll(now);
    const forAcme = results.find((r) => r.tenantId === world.acme.id)!;
    expect(forAcme).toMatchObject({ retentionDays: 30, segments: 4 });
    expect(results.find((r) => r.tenantId === world.globex.id)).toMatchObject({ retentionDays: 365, segments: 0 });
    expect([await count(expiredEnded), await count(expiredOpen), await count(endedRecently), await count(recent), await count(otherTenant)]).toEqual([0, 0, 2, 2, 2]);
    expect(await interactionsDb().getRepository(TranscriptSegment).count({ where: { tenantId: world.acme.id } })).toBe(acmeBefore - 4);
    // The interactions stay, for reporting; only their transcripts go.
    expect(await interactionsDb().getRepository(Interaction).count({ where: { id: In([expiredEnded, expiredOpen]) } })).toBe(2);
    expect((await new RetentionService(interactionsDb()).purgeAll(now)).reduce((sum, r) => sum + r.segments, 0)).toBe(0);
    await settings.save(Object.assign((await settings.findOne({}))!, { transcriptRetentionDays: 365 }));
  });
});

describe('privacy hooks for identity', () => {
  const EXPORT = 'query($id: ID!) { privacyExportInteractions(endUserId: $id) }';
  const ERASE = 'mutation($id: ID!) { privacyEraseInteractions(endUserId: $id) }';
  const secret = () => decodeSecret(world.env.keys.contextSecret, 'context secret');
  const asSubgraph = (caller: string, keys: Map<string, Uint8Array>) =>
    new ServiceClient(new ServiceContextSigner(caller, keys), world.stack.subgraphUrls, createLogger('test', 'silent'));
  const identity = () => asSubgraph('identity', deriveServiceKeys(secret(), 'identity').outbound);
  const on = (t: { id: string; slug: string }) => ({ requestId: newId(), tenant: { id: t.id, slug: t.slug }, clientIp: '127.0.0.1' });

  it('export everything held about the end-user, for identity’s tenant only', async () => {
    const endUserId = world.acme.endUserIds[4];
    await recordChat([{ sequence: 1, speaker: 'END_USER', text: `ssn ${SSN}` }], { endUserId });
    const { privacyExportInteractions } = await identity().request<{ privacyExportInteractions: string }>('interactions', EXPORT, { id: endUserId }, on(world.acme));
    const exported = JSON.parse(privacyExportInteractions);
    const held = await interactionsDb().getRepository(Interaction).find({ where: { tenantId: world.acme.id, endUserId } });
    expect(exported.endUserId).toBe(endUserId);
    expect(exported.interactions.map((i: any) => i.id).sort()).toEqual(held.map((i) => i.id).sort());
    expect(exported.interactions.flatMap((i: any) => i.transcript.map((s: any) => s.text))).toContain('ssn [SSN REDACTED]');
    expect(privacyExportInteractions).not.toContain(SSN);

    const foreign = await identity().request<{ privacyExportInteractions: string }>('interactions', EXPORT, { id: world.globex.endUserIds[0] }, on(world.acme));
    expect(JSON.parse(foreign.privacyExportInteractions).interactions).toEqual([]);
  });

  it('erase every row about the end-user in one go, idempotently, and nothing of another tenant', async () => {
    const endUserId = world.acme.endUserIds[4];
    const globexVictim = world.globex.endUserIds[0];
    const interactions = interactionsDb().getRepository(Interaction);
    const segments = interactionsDb().getRepository(TranscriptSegment);
    const ids = (await interactions.find({ where: { tenantId: world.acme.id, endUserId } })).map((i) => i.id);
    const expected = ids.length + (await segments.count({ where: { interactionId: In(ids) } }));
    expect(ids.length).toBeGreaterThan(0);
    const globexBefore = await interactions.count({ where: { endUserId: globexVictim } });
    expect(globexBefore).toBeGreaterThan(0);

    expect((await identity().request<{ privacyEraseInteractions: number }>('interactions', ERASE, { id: globexVictim }, on(world.acme))).privacyEraseInteractions).toBe(0);
    expect(await interactions.count({ where: { endUserId: globexVictim } })).toBe(globexBefore);

    const erased = await identity().request<{ privacyEraseInteractions: number }>('interactions', ERASE, { id: endUserId }, on(world.acme));
    expect(erased.privacyEraseInteractions).toBe(expected);
    expect(await interactions.count({ where: { endUserId } })).toBe(0);
    expect(await segments.count({ where: { interactionId: In(ids) } })).toBe(0);
    expect((await identity().request<{ privacyEraseInteractions: number }>('interactions', ERASE, { id: endUserId }, on(world.acme))).privacyEraseInteractions).toBe(0);
  });

  it('cannot be reached by another subgraph, by a user’s context sent straight to the subgraph, or through the gateway', async () => {
    const endUserId = world.acme.endUserIds[1];
    const before = await interactionsDb().getRepository(Interaction).count({ where: { endUserId } });
    // crm and consent have no link to interactions: a key of their own links is not accepted here.
    const crm = asSubgraph('crm', new Map([['interactions', serviceLinkKey(secret(), 'crm', 'identity')]]));
    await expect(crm.request('interactions', ERASE, { id: endUserId }, on(world.acme))).rejects.toMatchObject({ extensions: { code: 'UNAVAILABLE' } });
    const consentAsCaller = asSubgraph('consent', new Map([['interactions', serviceLinkKey(secret(), 'interactions', 'consent')]]));
    await expect(consentAsCaller.request('interactions', EXPORT, { id: endUserId }, on(world.acme))).rejects.toMatchObject({ extensions: { code: 'UNAVAILABLE' } });

    const signer = await world.env.signer();
    for (const [query, field] of [[ERASE, 'privacyEraseInteractions'], [EXPORT, 'privacyExportInteractions']]) {
      const direct = await callSubgraph(signer, 'interactions', world.stack.subgraphUrls.interactions, memberClaims(world.acme, ['admin', 'privacy_officer']), query, { id: endUserId });
      expectRefused(direct, 'FORBIDDEN');
      expect(direct.data?.[field] ?? null).toBeNull();
      const viaGateway = await gql(query, { id: endUserId }, tokens.admin);
      expect(codes(viaGateway)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    }
    expect(await interactionsDb().getRepository(Interaction).count({ where: { endUserId } })).toBe(before);
  });
});
