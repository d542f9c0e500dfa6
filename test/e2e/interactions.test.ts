import { In } from 'typeorm';
import { Interaction } from '../../subgraphs/interactions/entities/interaction.entity';
import { InteractionSettings } from '../../subgraphs/interactions/entities/interaction-settings.entity';
import { TranscriptSegment } from '../../subgraphs/interactions/entities/transcript-segment.entity';
import { RetentionService } from '../../subgraphs/interactions/services/retention.service';
import { keySubjectOf, openSegments } from '../../subgraphs/interactions/services/transcript-cipher';
import { ciphertextVersion, SUBJECT_KEY_VERSION } from '../../subgraphs/kit/crypto/field-cipher';
import { decodeSecret, serviceLinkKey, ServiceContextSigner } from '../../platform/contracts/signed-context';
import { createLogger } from '../../platform/logger';
import { deriveServiceKeys, ServiceClient } from '../../subgraphs/kit/service-client';
import { normalise } from '../../subgraphs/kit/sensitive-numbers';
import { newId } from '../../subgraphs/kit/tenant-entity';
import { TenantScope } from '../../subgraphs/kit/tenant-repository';
import { callSubgraph, codes, memberClaims, type GraphQLResponse } from '../helpers/environment';
import { consentStandIn } from '../helpers/consent-stand-in';
import { captureLogs } from '../helpers/log-capture';
import { seededStack, type SeededStack } from '../helpers/stack';

const logs = captureLogs();
let world: SeededStack;
let consent: Awaited<ReturnType<typeof consentStandIn>>;
const tokens: Record<string, string> = {};

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
  const response = await world.as(tokens.agent).send(RECORD, { input: { channel: 'CHAT', direction: 'INBOUND', transcript, ...extra } });
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
    const appended = await world.as(tokens.agent).send(APPEND, { id: recorded.id, segments: [{ sequence: 3, speaker: 'END_USER', text: `again: 4111-1111-1111-1111, ssn 219099999` }] });
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
      expectRefused(await world.as(tokens[role]).send(UPDATE, { input }), 'FORBIDDEN');
      expectRefused(await world.as(tokens[role]).send('{ interactionSettings { minGroupSize } }'), 'FORBIDDEN');
    }
    // RE2 cannot run lookaround or backreferences: refused naming the pattern's index.
    for (const bad of ['(?=x)y', '(x)\\1', '[a-z]{900}', 'a*']) {
      expectRefused(await world.as(tokens.admin).send(UPDATE, { input: { redactionPatterns: [input.redactionPatterns[0], { name: 'bad', pattern: bad }] } }), 'BAD_USER_INPUT', 'redactionPatterns[1].pattern');
    }
    expect((await world.as(tokens.admin).send('{ interactionSettings { redactionPatterns { name } } }')).data.interactionSettings.redactionPatterns).toEqual([]);
    expectRefused(await world.as(tokens.admin).send(UPDATE, { input: { redactionPatterns: [{ name: '1x', pattern: 'x' }] } }), 'BAD_USER_INPUT', 'redactionPatterns[0].name');
    const updated = await world.as(tokens.admin).send(UPDATE, { input });
    expect(updated.data.updateInteractionSettings).toEqual({ minGroupSize: 11, transcriptRetentionDays: 365, redactionPatterns: input.redactionPatterns });

    const recorded = await recordChat([{ sequence: 1, speaker: 'END_USER', text: 'member MBR-123456 here' }, { sequence: 2, speaker: 'END_USER', text: 'or MBR-１２３\u200b４５６' }]);
    expect(recorded.transcript.edges.map((e: any) => e.node)).toMatchObject([
      { text: 'member [MEMBER_ID REDACTED] here', redactions: { pattern: 1 } },
      { text: 'or [MEMBER_ID REDACTED]', redactions: { pattern: 1 } },
    ]);
    // A pattern that backtracks catastrophically elsewhere is linear on RE2.
    const linear = await world.as(tokens.admin).send(UPDATE, { input: { redactionPatterns: [{ name: 'run', pattern: '(a+)+b' }] } });
    expect(linear.errors).toBeUndefined();
    const long = await recordChat([{ sequence: 1, speaker: 'END_USER', text: 'a'.repeat(19_999) + '!' }, { sequence: 2, speaker: 'END_USER', text: 'aaab' }]);
    expect(long.transcript.edges.map((e: any) => e.node.text)).toEqual(['a'.repeat(19_999) + '!', '[RUN REDACTED]']);
    // Another tenant's patterns are its own.
    const globex = await world.as(tokens.globexAdmin).send(RECORD, { input: { channel: 'CHAT', direction: 'INBOUND', transcript: [{ sequence: 1, speaker: 'END_USER', text: 'MBR-123456' }] } });
    expect(globex.data.recordInteraction.transcript.edges[0].node.text).toBe('MBR-123456');
    await world.as(tokens.admin).send(UPDATE, { input: { redactionPatterns: [] } });
  });
});

describe('redaction that disguises do not defeat', () => {
  const INTERACTION = 'query($id: ID!) { interaction(id: $id) { disposition transcript(first: 50) { edges { node { sequence text redactions { total ssn paymentCard pattern } } } } } }';
  const digitsIn = (text: string) => normalise(text).text.replace(/[^0-9]/g, '');
  const storedTexts = async (interactionId: string) =>
    (await storedSegments(interactionId)).map((s) => [s.sequence, s.text, s.ssnRedactions, s.cardRedactions]);
  const DISGUISES = [
    'SSN536-22-1234',
    'my ssn is ٥٣٦-٢٢-١٢٣٤',
    '५३६.२२.१२३४ is it',
    '５３６－２２－１２３４',
    '5\u200b3\u200d6 2\u20602 1\ufeff2\u00ad34',
    '5 3 6 2 2 1 2 3 4',
    '536\u00a022\u20131234',
    'social security number, the one on my old card from the office, is 536/221/234',
    'card 4111.1111.1111.1111',
    'card 4111\u20141111\u20141111\u20141111',
    'card ４１１１ １１１１ １１１１ １１１１',
    'card4111111111111111thanks',
    '4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1',
  ];

  it('redacts every disguise in the initial transcript, appends and dispositions, leaving no digit of them in any row', async () => {
    const recorded = await recordChat(DISGUISES.map((text, index) => ({ sequence: index + 1, speaker: 'END_USER', text })), { disposition: 'callback ssn ５３６２２１２３４' });
    const appended = await world.as(tokens.agent).send(APPEND, { id: recorded.id, segments: DISGUISES.map((text, index) => ({ sequence: 100 + index, speaker: 'END_USER', text })) });
    expect(appended.data.appendTranscriptSegments.redactions).toBe(DISGUISES.length);
    const ended = await world.as(tokens.agent).send('mutation($id: ID!, $input: EndInteractionInput) { endInteraction(id: $id, input: $input) { disposition } }', {
      id: recorded.id,
      input: { disposition: 'paid with 4111-1111-1111-1111' },
    });
    expect(ended.data.endInteraction.disposition).toBe('paid with [CARD REDACTED]');

    const read = (await world.as(tokens.agent).send(INTERACTION, { id: recorded.id })).data.interaction;
    expect(read.disposition).toBe('paid with [CARD REDACTED]');
    expect(read.transcript.edges).toHaveLength(2 * DISGUISES.length);
    for (const { node } of read.transcript.edges) {
      expect(digitsIn(node.text)).toBe('');
      expect(node.redactions.total).toBe(1);
    }
    const rows = await interactionsDb().query('SELECT * FROM transcript_segments');
    const interactions = await interactionsDb().query('SELECT * FROM interactions');
    for (const row of [...rows, ...interactions]) {
      const text = digitsIn(JSON.stringify(row));
      for (const original of ['536221234', '4111111111111111']) expect(text).not.toContain(original);
    }
    expect(digitsIn(logs.lines.join('\n'))).not.toContain('536221234');
  });

  it('redacts a disposition given at record time, and cuts it to its column', async () => {
    const recorded = await world.as(tokens.agent).send('mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { disposition } }', {
      input: { channel: 'CHAT', direction: 'INBOUND', disposition: `${'x'.repeat(88)} 536-22-1234` },
    });
    expect(recorded.data.recordInteraction.disposition).toBe(`${'x'.repeat(88)} [SSN REDACT`);
  });

  it('refuses queue and agent ids that are not plain identifiers, naming the field, and records nothing', async () => {
    const before = await interactionsDb().getRepository(Interaction).count();
    for (const [field, value] of [
      ['queue', '536-22-1234'],
      ['queue', 'billing 4111 1111 1111 1111'],
      ['queue', 'q ５３６２２１２３４ ssn'],
      ['queue', 'billing\u200b'],
      ['queue', '<img src=x>'],
      ['agentId', 'agent ssn 536221234'],
      ['agentId', '٥٣٦٢٢١٢٣٤'],
      ['agentId', 'a'.repeat(201)],
    ]) {
      expectRefused(await world.as(tokens.agent).send(RECORD, { input: { channel: 'CHAT', direction: 'INBOUND', [field]: value } }), 'BAD_USER_INPUT', field);
    }
    expect(await interactionsDb().getRepository(Interaction).count()).toBe(before);
    const fine = await recordChat([], { queue: 'Tier 2 support', agentId: 'alice@acme.example' });
    expect(fine.id).toBeDefined();
  });

  it('redacts numbers split across appends, in the segment already stored too, as every reader sees it', async () => {
    const card = await recordChat([{ sequence: 1, speaker: 'END_USER', text: 'my card is 4111 1111' }]);
    const second = await world.as(tokens.agent).send(APPEND, { id: card.id, segments: [{ sequence: 2, speaker: 'END_USER', text: '1111 1111 thanks' }] });
    expect(second.data.appendTranscriptSegments).toMatchObject({ appended: [2], redactions: 2 });
    expect(await storedTexts(card.id)).toEqual([
      [1, 'my card is [CARD REDACTED]', 0, 1],
      [2, '[CARD REDACTED] thanks', 0, 1],
    ]);
    const read = (await world.as(tokens.agent).send(INTERACTION, { id: card.id })).data.interaction.transcript.edges.map((e: any) => e.node);
    expect(read).toEqual([
      { sequence: 1, text: 'my card is [CARD REDACTED]', redactions: { total: 1, ssn: 0, paymentCard: 1, pattern: 0 } },
      { sequence: 2, text: '[CARD REDACTED] thanks', redactions: { total: 1, ssn: 0, paymentCard: 1, pattern: 0 } },
    ]);
    // A retried append of the second segment is still the same segment.
    const retry = await world.as(tokens.agent).send(APPEND, { id: card.id, segments: [{ sequence: 2, speaker: 'END_USER', text: '1111 1111 thanks' }] });
    expect(retry.data.appendTranscriptSegments).toMatchObject({ appended: [], duplicates: [2] });

    // The question in the agent's segment, the answer in the next append.
    const asked = await recordChat([{ sequence: 1, speaker: 'AGENT', text: 'What is your social security number?' }]);
    await world.as(tokens.agent).send(APPEND, { id: asked.id, segments: [{ sequence: 2, speaker: 'END_USER', text: '536 221 234' }] });
    expect((await storedTexts(asked.id)).map((row) => row[1])).toEqual(['What is your social security number?', '[SSN REDACTED]']);

    // Digit by digit, one append each.
    const typed = await recordChat([{ sequence: 1, speaker: 'AGENT', text: 'Go ahead' }]);
    for (const [index, digit] of [...'536221234'].entries()) {
      const response = await world.as(tokens.agent).send(APPEND, { id: typed.id, segments: [{ sequence: index + 2, speaker: 'END_USER', text: digit }] });
      expect(response.errors).toBeUndefined();
    }
    const typedRows = await storedTexts(typed.id);
    expect(typedRows.map((row) => digitsIn(String(row[1]))).join('')).toBe('');
    expect(typedRows.slice(1).every((row) => row[1] === '[SSN REDACTED]' && row[2] === 1)).toBe(true);

    // Out of order: the end of the number arrives first.
    const late = await recordChat();
    await world.as(tokens.agent).send(APPEND, { id: late.id, segments: [{ sequence: 2, speaker: 'END_USER', text: '-22-1234 ok' }] });
    await world.as(tokens.agent).send(APPEND, { id: late.id, segments: [{ sequence: 1, speaker: 'END_USER', text: 'SSN 536' }] });
    expect((await storedTexts(late.id)).map((row) => row[1])).toEqual(['SSN [SSN REDACTED]', '[SSN REDACTED] ok']);

    // Split inside one batch, and across the initial transcript.
    const batch = await recordChat([
      { sequence: 2, speaker: 'END_USER', text: '-1111-1111-1111' },
      { sequence: 1, speaker: 'END_USER', text: 'card 4111' },
    ]);
    expect((await storedTexts(batch.id)).map((row) => row[1])).toEqual(['card [CARD REDACTED]', '[CARD REDACTED]']);
    const rows = digitsIn(JSON.stringify(await interactionsDb().query('SELECT * FROM transcript_segments')));
    for (const original of ['536221234', '4111111111111111']) expect(rows).not.toContain(original);
  });

  it('redacts a number split between two appends racing each other', async () => {
    const chats = await Promise.all(Array.from({ length: 4 }, () => recordChat()));
    await Promise.all(
      chats.flatMap(({ id }) => [
        world.as(tokens.agent).send(APPEND, { id, segments: [{ sequence: 1, speaker: 'END_USER', text: 'card 4111 1111' }] }),
        world.as(tokens.agent).send(APPEND, { id, segments: [{ sequence: 2, speaker: 'END_USER', text: '1111 1111 ok' }] }),
      ]),
    );
    for (const { id } of chats) {
      expect((await storedTexts(id)).map((row) => row[1])).toEqual(['card [CARD REDACTED]', '[CARD REDACTED] ok']);
    }
  });

  it('re-seals a stored segment a split number reached: both rows hold only ciphertext, no digit or mark in clear', async () => {
    const chat = await recordChat([{ sequence: 1, speaker: 'END_USER', text: 'my card is 4111 1111' }]);
    const segments = () => interactionsDb().getRepository(TranscriptSegment).find({ where: { interactionId: chat.id }, order: { sequence: 'ASC' } });
    const [before] = await segments();
    const second = await world.as(tokens.agent).send(APPEND, { id: chat.id, segments: [{ sequence: 2, speaker: 'END_USER', text: '1111 1111 and SSN 536-22' }] });
    expect(second.errors).toBeUndefined();
    const third = await world.as(tokens.agent).send(APPEND, { id: chat.id, segments: [{ sequence: 3, speaker: 'END_USER', text: '-1234 ok' }] });
    expect(third.data.appendTranscriptSegments).toMatchObject({ appended: [3], redactions: 2 });

    const raw = await segments();
    expect(raw.map((row) => row.legacyText)).toEqual([null, null, null]);
    for (const row of raw) {
      expect(ciphertextVersion(row.textEncrypted!)).toBe(SUBJECT_KEY_VERSION);
      for (const clear of ['4111', '1111 1111', '536', '1234', 'card', 'SSN', 'REDACTED']) expect(row.textEncrypted).not.toContain(clear);
    }
    // The first segment was rewritten under the key, not left as it was stored.
    expect(raw[0].textEncrypted).not.toBe(before.textEncrypted);
    expect((await storedSegments(chat.id)).map((s) => [s.text, s.ssnRedactions, s.cardRedactions])).toEqual([
      ['my card is [CARD REDACTED]', 0, 1],
      ['[CARD REDACTED] and SSN [SSN REDACTED]', 1, 1],
      ['[SSN REDACTED] ok', 1, 0],
    ]);
    const everything = digitsIn(JSON.stringify(await interactionsDb().query('SELECT * FROM transcript_segments')));
    for (const original of ['4111111111111111', '536221234']) expect(everything).not.toContain(original);
  });

  it('does not over-redact ordinary numbers', async () => {
    const text = 'Call +1 (415) 555-0123 at 10:30 on 12/05/2026 about order 123456789, $1,299.99 paid.';
    const recorded = await recordChat([{ sequence: 1, speaker: 'END_USER', text }], { disposition: 'RESOLVED 2026-03-01' });
    expect(recorded.transcript.edges[0].node).toMatchObject({ text, redactions: { total: 0 } });
    await world.as(tokens.agent).send(APPEND, { id: recorded.id, segments: [{ sequence: 2, speaker: 'AGENT', text: 'Order 98765 ships 3/4.' }] });
    expect((await storedTexts(recorded.id)).map((row) => row[1])).toEqual([text, 'Order 98765 ships 3/4.']);
  });
});

describe('live transcript ingestion', () => {
  it('stores segments arriving out of order and reads them back in sequence, page by page', async () => {
    const { id } = await recordChat();
    for (const sequence of [3, 1, 5, 2, 4]) {
      const response = await world.as(tokens.agent).send(APPEND, { id, segments: [{ sequence, speaker: sequence % 2 ? 'END_USER' : 'AGENT', text: `line ${sequence}` }] });
      expect(response.data.appendTranscriptSegments.appended).toEqual([sequence]);
    }
    const seen: number[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = (await world.as(tokens.agent).send(TRANSCRIPT, { id, after })).data.interaction.transcript;
      seen.push(...page.edges.map((e: any) => e.node.sequence));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('ignores and reports a repeated segment; refuses a different one at a stored sequence and stores nothing of that batch', async () => {
    const { id } = await recordChat([{ sequence: 1, speaker: 'END_USER', text: `card ${CARD}` }]);
    const repeat = await world.as(tokens.agent).send(APPEND, { id, segments: [{ sequence: 1, speaker: 'END_USER', text: `card ${CARD}` }, { sequence: 2, speaker: 'AGENT', text: 'ok' }] });
    expect(repeat.data.appendTranscriptSegments).toMatchObject({ appended: [2], duplicates: [1] });

    const clash = await world.as(tokens.agent).send(APPEND, { id, segments: [{ sequence: 3, speaker: 'AGENT', text: 'new' }, { sequence: 2, speaker: 'AGENT', text: 'different' }] });
    expectRefused(clash, 'CONFLICT', 'segments[1].sequence');
    const stored = await storedSegments(id);
    expect(stored.map((s) => [s.sequence, s.text])).toEqual([[1, 'card [CARD REDACTED]'], [2, 'ok']]);
  });

  it('lets exactly one of two racing appends at the same sequence land', async () => {
    const { id } = await recordChat();
    const race = await Promise.all(['first', 'second'].map((text) => world.as(tokens.agent).send(APPEND, { id, segments: [{ sequence: 1, speaker: 'AGENT', text }] })));
    expect(race.filter((r) => r.data?.appendTranscriptSegments?.appended?.length === 1)).toHaveLength(1);
    expect(race.flatMap(codes)).toEqual(['CONFLICT']);
    const same = await recordChat();
    const twins = await Promise.all([1, 2].map(() => world.as(tokens.agent).send(APPEND, { id: same.id, segments: [{ sequence: 1, speaker: 'AGENT', text: 'same' }] })));
    expect(twins.map((r) => r.data.appendTranscriptSegments.appended.length).sort()).toEqual([0, 1]);
    expect(await interactionsDb().getRepository(TranscriptSegment).count({ where: { interactionId: In([id, same.id]) } })).toBe(2);
  });

  it('validates batches, texts and sequences by field, and finds no other tenant’s interaction', async () => {
    const { id } = await recordChat();
    const segment = (n: number, text = 'x') => ({ sequence: n, speaker: 'AGENT', text });
    expectRefused(await world.as(tokens.agent).send(APPEND, { id, segments: [] }), 'BAD_USER_INPUT', 'segments');
    expectRefused(await world.as(tokens.agent).send(APPEND, { id, segments: Array.from({ length: 201 }, (_, n) => segment(n + 1)) }), 'BAD_USER_INPUT', 'segments');
    expectRefused(await world.as(tokens.agent).send(APPEND, { id, segments: [segment(1), segment(2, 'y'.repeat(20_001))] }), 'BAD_USER_INPUT', 'segments[1].text');
    expectRefused(await world.as(tokens.agent).send(APPEND, { id, segments: [segment(0)] }), 'BAD_USER_INPUT', 'segments[0].sequence');
    expectRefused(await world.as(tokens.agent).send(APPEND, { id, segments: [segment(4, 'a'), segment(4, 'b')] }), 'BAD_USER_INPUT', 'segments[1].sequence');
    expect(await interactionsDb().getRepository(TranscriptSegment).count({ where: { interactionId: id } })).toBe(0);

    const globexOwn = await world.as(tokens.globexAdmin).send(RECORD, { input: { channel: 'SMS', direction: 'INBOUND' } });
    const foreign = globexOwn.data.recordInteraction.id;
    expectRefused(await world.as(tokens.admin).send(APPEND, { id: foreign, segments: [segment(1)] }), 'NOT_FOUND');
    expectRefused(await world.as(tokens.admin).send('mutation($id: ID!) { endInteraction(id: $id) { id } }', { id: foreign }), 'NOT_FOUND');
    expect(await interactionsDb().getRepository(TranscriptSegment).count({ where: { interactionId: foreign } })).toBe(0);
  });

  it('records every channel both ways with agent, queue, timing and disposition, and ends an open interaction', async () => {
    for (const channel of ['VOICE', 'CHAT', 'EMAIL', 'SMS', 'SOCIAL']) {
      const response = await world.as(tokens.agent).send(RECORD, {
        input: { channel, direction: 'INBOUND', agentId: 'acme-agent-1', queue: 'billing', startedAt: '2026-03-01T10:00:00.000Z', endedAt: '2026-03-01T10:05:30.000Z', disposition: 'RESOLVED' },
      });
      expect(response.data.recordInteraction).toMatchObject({ channel, direction: 'INBOUND', handleSeconds: 330 });
    }
    const open = await recordChat([], { startedAt: '2026-03-01T10:00:00.000Z' });
    expect(open.handleSeconds).toBeNull();
    const ended = await world.as(tokens.agent).send('mutation($id: ID!) { endInteraction(id: $id, input: { endedAt: "2026-03-01T10:01:00.000Z", disposition: "CALLBACK" }) { handleSeconds disposition } }', { id: open.id });
    expect(ended.data.endInteraction).toEqual({ handleSeconds: 60, disposition: 'CALLBACK' });
    expectRefused(await world.as(tokens.agent).send('mutation($id: ID!) { endInteraction(id: $id, input: { endedAt: "2026-02-01T00:00:00.000Z" }) { id } }', { id: open.id }), 'BAD_USER_INPUT', 'endedAt');
  });
});

describe('outbound contact', () => {
  const outbound = (endUserId: string | undefined, channel = 'SMS') =>
    world.as(tokens.agent).send(RECORD, { input: { endUserId, channel, direction: 'OUTBOUND', transcript: [{ sequence: 1, speaker: 'AGENT', text: 'Hello from Acme' }] } });
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
    const toAdmin = await world.as(tokens.admin).send(RECORD, { input: { endUserId: restricted, channel: 'EMAIL', direction: 'OUTBOUND' } });
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
    expect((await world.as(token).send(METRICS, { from: '2026-01-01', to: '2026-01-31' })).errors).toBeUndefined();
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
      const response = await world.as(token).send(query, variables);
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
      expectRefused(await world.as(tokens[role]).send(METRICS, { from: '2026-01-01', to: '2026-01-31' }), 'FORBIDDEN');
    }
    expect((await world.as(tokens.supervisor).send(METRICS, { from: '2026-01-01', to: '2026-01-31' })).errors).toBeUndefined();
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
      const viaGateway = await world.as(tokens.admin).send(query, { id: endUserId });
      expect(codes(viaGateway)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    }
    expect(await interactionsDb().getRepository(Interaction).count({ where: { endUserId } })).toBe(before);
  });
});
