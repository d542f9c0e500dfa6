import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { CookieConsent, VisitorLink } from '../../subgraphs/consent/entities/cookie-consent.entity';
import { Interaction } from '../../subgraphs/interactions/entities/interaction.entity';
import { TranscriptSegment } from '../../subgraphs/interactions/entities/transcript-segment.entity';
import { ErasedEndUser, erasedEndUserHash } from '../../subgraphs/kit/erased-end-user.entity';
import { callSubgraph, codes, memberClaims, type GraphQLResponse } from '../helpers/environment';
import { httpClient } from '../helpers/graphql';
import { seededStack, type SeededStack } from '../helpers/stack';

/**
 * Every write that names an end-user, tried with ids it must refuse: another tenant's, one that
 * never existed, one erased, and (for callers who may not see them) a restricted one. Each is
 * NOT_FOUND, and no subgraph holds one more row about the id afterwards.
 */
let world: SeededStack;
const tokens: Record<string, string> = {};
let connectionId: string;
let visitorId: string;
let widgetKey: string;
const ids: Record<'foreign' | 'random' | 'erased' | 'restricted' | 'restrictedWithData' | 'valid', string> = {} as never;

const sources = (): DataSource[] => ['interactions', 'consent', 'crm', 'identity'].map((name) => world.stack.subgraphs[name as 'identity'].dataSource);

/** Rows in any table of the four subgraphs that mention the id (any tenant). */
async function rowsMentioning(id: string): Promise<number> {
  let count = 0;
  for (const source of sources()) {
    for (const { tableName } of source.entityMetadatas) {
      for (const row of await source.query(`SELECT * FROM ${source.driver.escape(tableName)}`)) if (JSON.stringify(row).includes(id)) count += 1;
    }
  }
  return count;
}

async function createEndUser(lastName: string): Promise<string> {
  const response = await world.as(tokens.admin).send('mutation($n: String!) { createEndUser(input: { firstName: "Tess", lastName: $n }) { id } }', { n: lastName });
  expect(response.errors).toBeUndefined();
  return response.data.createEndUser.id;
}

async function privacyRequest(endUserId: string, kind: string): Promise<void> {
  const response = await world.as(tokens.officer).send('mutation($input: CreatePrivacyRequestInput!) { createPrivacyRequest(input: $input) { status } }', { input: { endUserId, kind } });
  expect(response.data.createPrivacyRequest.status).toBe('COMPLETED');
}

const WRITES: [string, (endUserId: string) => [string, Record<string, unknown>]][] = [
  ['recordInteraction INBOUND', (e) => ['mutation($e: ID) { recordInteraction(input: { endUserId: $e, channel: CHAT, direction: INBOUND, transcript: [{ sequence: 1, speaker: END_USER, text: "hello" }] }) { id } }', { e }]],
  ['recordInteraction OUTBOUND', (e) => ['mutation($e: ID) { recordInteraction(input: { endUserId: $e, channel: VOICE, direction: OUTBOUND }) { id } }', { e }]],
  ['recordConsent', (e) => ['mutation($e: ID!) { recordConsent(input: { endUserId: $e, purpose: ANALYTICS, granted: true, source: AGENT }) { id } }', { e }]],
  ['optOutOfContact', (e) => ['mutation($e: ID!) { optOutOfContact(endUserId: $e, channel: EMAIL, source: AGENT) { id } }', { e }]],
  ['optBackIntoContact', (e) => ['mutation($e: ID!) { optBackIntoContact(endUserId: $e, channel: EMAIL) }', { e }]],
  ['linkVisitor', (e) => ['mutation($v: String!, $e: ID!) { linkVisitor(visitorId: $v, endUserId: $e) }', { v: visitorId, e }]],
  ['linkCrmRecord', (e) => ['mutation($e: ID!, $c: ID!, $x: String!) { linkCrmRecord(input: { endUserId: $e, connectionId: $c, externalId: $x }) { id } }', { e, c: connectionId, x: `ext-${e}` }]],
  ['matchCrmRecord', (e) => ['mutation($e: ID!, $c: ID!) { matchCrmRecord(input: { endUserId: $e, connectionId: $c }) { id } }', { e, c: connectionId }]],
  ['pushEndUserToCrm', (e) => ['mutation($e: ID!, $c: ID!) { pushEndUserToCrm(input: { endUserId: $e, connectionId: $c }) { created } }', { e, c: connectionId }]],
  ['updateEndUser', (e) => ['mutation($e: ID!) { updateEndUser(id: $e, input: { lastName: "Changed" }) { id } }', { e }]],
];

beforeAll(async () => {
  world = await seededStack({ endUsersPerTenant: 3 });
  tokens.admin = await world.env.token({ tenant: 'acme', roles: ['admin'], sub: 'acme-admin' });
  tokens.agent = await world.env.token({ tenant: 'acme', roles: ['agent'], sub: 'acme-agent' });
  tokens.officer = await world.env.token({ tenant: 'acme', roles: ['privacy_officer'], sub: 'acme-officer' });
  tokens.supervisor = await world.env.token({ tenant: 'acme', roles: ['supervisor'], sub: 'acme-supervisor' });
  connectionId = (await world.as(tokens.admin).send('{ crmConnections { edges { node { id } } } }')).data.crmConnections.edges[0].node.id;
  widgetKey = (await world.as(tokens.admin).send('mutation { rotateWidgetKey { key } }')).data.rotateWidgetKey.key;
  await world.as(tokens.admin).send('mutation { updateWidgetOrigins(origins: ["https://www.acme.example"]) { origins } }');
  // A visitor with a cookie choice in acme, so linkVisitor gets as far as the end-user.
  visitorId = `visitor-${randomUUID().slice(0, 8)}`;
  const consents = world.stack.subgraphs.consent.dataSource.getRepository(CookieConsent);
  await consents.save(consents.create({ id: randomUUID(), tenantId: world.acme.id, visitorId, functional: true, analytics: false, advertising: false, policyVersionId: null, recordedAt: new Date(), addressHash: null, userAgent: null, page: null }));

  ids.foreign = world.globex.endUserIds[0];
  ids.random = randomUUID();
  ids.valid = world.acme.endUserIds[0];
  ids.erased = await createEndUser('Erased');
  await privacyRequest(ids.erased, 'ERASURE');
  ids.restricted = await createEndUser('Restricted');
  await privacyRequest(ids.restricted, 'RESTRICTION');
});
afterAll(() => world?.close());

describe('writes naming an end-user', () => {
  const token = (name: string) => (name.includes('Crm') ? tokens.admin : tokens.agent);

  it.each(WRITES)('%s: refuses another tenant’s, a random and an erased id with NOT_FOUND, writing nothing', async (name, write) => {
    for (const kind of ['foreign', 'random', 'erased'] as const) {
      const id = ids[kind];
      const before = await rowsMentioning(id);
      const [query, variables] = write(id);
      const response = await world.as(token(name)).send(query, variables);
      expect([kind, codes(response)]).toEqual([kind, ['NOT_FOUND']]);
      expect(JSON.stringify(response.errors)).not.toMatch(/restricted|erased/i);
      expect(await rowsMentioning(id)).toBe(before);
    }
  });

  it.each(WRITES.filter(([name]) => name !== 'optOutOfContact' && !name.includes('Crm')))(
    '%s: a restricted person is NOT_FOUND to an agent, FORBIDDEN to an admin, and nothing is written',
    async (_name, write) => {
      const before = await rowsMentioning(ids.restricted);
      const [query, variables] = write(ids.restricted);
      const asAgent = await world.as(tokens.agent).send(query, variables);
      expect(codes(asAgent)).toEqual(['NOT_FOUND']);
      expect(JSON.stringify(asAgent.errors)).not.toMatch(/restrict/i);
      const asAdmin = await world.as(tokens.admin).send(query, variables);
      expect(codes(asAdmin)).toEqual(['FORBIDDEN']);
      expect(await rowsMentioning(ids.restricted)).toBe(before);
    },
  );

  it.each(WRITES.filter(([name]) => name.includes('Crm')))('%s: a restricted person is refused and nothing is linked or sent', async (_name, write) => {
    const before = await rowsMentioning(ids.restricted);
    const [query, variables] = write(ids.restricted);
    expect(codes(await world.as(tokens.admin).send(query, variables))[0]).toMatch(/NOT_FOUND|FORBIDDEN/);
    expect(await rowsMentioning(ids.restricted)).toBe(before);
  });

  it('an opt-out of a restricted person is accepted from an admin (it only narrows processing), NOT_FOUND to an agent', async () => {
    const query = 'mutation($e: ID!, $c: Channel!) { optOutOfContact(endUserId: $e, channel: $c, source: AGENT) { channel } }';
    const before = await rowsMentioning(ids.restricted);
    const asAgent = await world.as(tokens.agent).send(query, { e: ids.restricted, c: 'SOCIAL' });
    expect(asAgent.errors!.map((e) => [e.extensions?.code, e.message])).toEqual((await world.as(tokens.agent).send(query, { e: randomUUID(), c: 'SOCIAL' })).errors!.map((e) => [e.extensions?.code, e.message]));
    expect(await rowsMentioning(ids.restricted)).toBe(before);
    expect((await world.as(tokens.admin).send(query, { e: ids.restricted, c: 'SMS' })).data.optOutOfContact).toEqual({ channel: 'SMS' });
  });

  it('the same writes pass for an end-user of the caller’s own tenant (the refusals above are about the id)', async () => {
    for (const [name, write] of WRITES.filter(([n]) => !['matchCrmRecord', 'pushEndUserToCrm', 'optBackIntoContact'].includes(n))) {
      const [query, variables] = write(ids.valid);
      const response = await world.as(token(name)).send(query, variables);
      expect([name, response.errors]).toEqual([name, undefined]);
    }
  });

  it('an empty, over-long or malformed id is refused before anyone is asked', async () => {
    for (const id of ['', 'x'.repeat(37), `${ids.valid}' OR '1'='1`]) {
      const response = await world.as(tokens.agent).send('mutation($e: ID!) { recordConsent(input: { endUserId: $e, purpose: ANALYTICS, granted: true, source: AGENT }) { id } }', { e: id });
      expect(codes(response)[0]).toMatch(/NOT_FOUND|BAD_USER_INPUT/);
    }
  });
});

describe('the local tombstone', () => {
  it('refuses appends and ends on a straggling interaction of an erased person, and further erasure-era writes', async () => {
    // As if a write had slipped past identity's answer: the row exists, but the person was erased here.
    const repo = world.stack.subgraphs.interactions.dataSource.getRepository(Interaction);
    const straggler = await repo.save(repo.create({ id: randomUUID(), tenantId: world.acme.id, endUserId: ids.erased, channel: 'CHAT' as never, direction: 'INBOUND' as never, startedAt: new Date(), endedAt: null, agentId: null, queue: null, disposition: null }));
    const tombstones = await world.stack.subgraphs.interactions.dataSource.getRepository(ErasedEndUser).countBy({ tenantId: world.acme.id, endUserHash: erasedEndUserHash(world.acme.id, ids.erased) });
    expect(tombstones).toBe(1);
    const append = await world.as(tokens.agent).send('mutation($id: ID!) { appendTranscriptSegments(interactionId: $id, segments: [{ sequence: 1, speaker: END_USER, text: "late" }]) { appended } }', { id: straggler.id });
    expect(codes(append)).toEqual(['NOT_FOUND']);
    const end = await world.as(tokens.agent).send('mutation($id: ID!) { endInteraction(id: $id) { id } }', { id: straggler.id });
    expect(codes(end)).toEqual(['NOT_FOUND']);
    expect(await world.stack.subgraphs.interactions.dataSource.getRepository(TranscriptSegment).countBy({ interactionId: straggler.id })).toBe(0);
    expect((await repo.findOneByOrFail({ id: straggler.id })).endedAt).toBeNull();
    await repo.delete({ id: straggler.id });
  });

  it('keeps no id of the erased person, only a hash of it', async () => {
    expect(await rowsMentioning(ids.erased)).toBe(0);
  });
});

describe('restricted persons are indistinguishable from missing ones', () => {
  let interactionId: string;
  beforeAll(async () => {
    const id = await createEndUser('SoonRestricted');
    const recorded = await world.as(tokens.agent).send('mutation($e: ID) { recordInteraction(input: { endUserId: $e, channel: CHAT, direction: INBOUND, transcript: [{ sequence: 1, speaker: END_USER, text: "my secret" }] }) { id } }', { e: id });
    interactionId = recorded.data.recordInteraction.id;
    await world.as(tokens.agent).send('mutation($e: ID!) { optOutOfContact(endUserId: $e, channel: VOICE, source: AGENT) { id } }', { e: id });
    await privacyRequest(id, 'RESTRICTION');
    ids.restrictedWithData = id;
  });

  it('interaction(id) and its transcript are null to agents and supervisors, there for privacy officers and admins', async () => {
    const query = 'query($id: ID!) { interaction(id: $id) { id transcript { edges { node { text } } } } }';
    const missing = await world.as(tokens.agent).send(query, { id: randomUUID() });
    for (const token of [tokens.agent, tokens.supervisor]) {
      const response = await world.as(token).send(query, { id: interactionId });
      expect(response).toMatchObject({ data: missing.data });
      expect(response.errors).toEqual(missing.errors);
    }
    for (const token of [tokens.officer, tokens.admin]) {
      expect((await world.as(token).send(query, { id: interactionId })).data.interaction.transcript.edges).toEqual([{ node: { text: 'my secret' } }]);
    }
  });

  it('the person and everything other subgraphs add to them answer an agent as a missing person does', async () => {
    const query = `query($id: ID!) { endUser(id: $id) { id interactions { edges { node { id } } } consents { edges { node { id } } }
      contactPreferences { channel } cookieConsent { functional } crmLinks { edges { node { id } } } } }`;
    const missing = await world.as(tokens.agent).send(query, { id: randomUUID() });
    expect(missing.data).toEqual({ endUser: null });
    const restricted = await world.as(tokens.agent).send(query, { id: ids.restrictedWithData });
    expect(restricted.data).toEqual(missing.data);
    expect(restricted.errors).toEqual(missing.errors);
    // The extension subgraphs' entity resolution is not in the public API at all.
    const entities = await world.as(tokens.agent).send('query($r: [_Any!]!) { _entities(representations: $r) { ... on EndUser { interactions { edges { node { id } } } } } }', { r: [{ __typename: 'EndUser', id: ids.restrictedWithData }] });
    expect(entities.data ?? null).toBeNull();
    expect(new Set(codes(entities))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
    expect((await world.as(tokens.officer).send(query, { id: ids.restrictedWithData })).data.endUser.interactions.edges).toHaveLength(1);
  });

  it('appends and ends answer an agent as for a missing interaction', async () => {
    const append = 'mutation($id: ID!) { appendTranscriptSegments(interactionId: $id, segments: [{ sequence: 2, speaker: AGENT, text: "x" }]) { appended } }';
    const missing = await world.as(tokens.agent).send(append, { id: randomUUID() });
    const restricted = await world.as(tokens.agent).send(append, { id: interactionId });
    expect(restricted.errors!.map((e) => [e.extensions?.code, e.message])).toEqual(missing.errors!.map((e) => [e.extensions?.code, e.message]));
    const end = await world.as(tokens.agent).send('mutation($id: ID!) { endInteraction(id: $id) { id } }', { id: interactionId });
    expect(codes(end)).toEqual(['NOT_FOUND']);
  });

  it('the suppression list leaves a restricted person out for agents', async () => {
    const query = 'query($e: ID) { contactOptOuts(endUserId: $e) { edges { node { endUserId } } } }';
    expect((await world.as(tokens.agent).send(query, { e: ids.restrictedWithData })).data.contactOptOuts.edges).toEqual([]);
    const all = await world.as(tokens.agent).send('{ contactOptOuts(first: 100) { edges { node { endUserId } } } }');
    expect(all.data.contactOptOuts.edges.map((e: any) => e.node.endUserId)).not.toContain(ids.restrictedWithData);
    expect((await world.as(tokens.officer).send(query, { e: ids.restrictedWithData })).data.contactOptOuts.edges).toHaveLength(1);
  });

  it('the widget answers true for a visitor linked to a restricted person, as for any unknown visitor, and stores nothing', async () => {
    const linked = `visitor-${randomUUID().slice(0, 8)}`;
    const consents = world.stack.subgraphs.consent.dataSource.getRepository(CookieConsent);
    await consents.save(consents.create({ id: randomUUID(), tenantId: world.acme.id, visitorId: linked, functional: true, analytics: false, advertising: false, policyVersionId: null, recordedAt: new Date(), addressHash: null, userAgent: null, page: null }));
    // Linked while the person could still be processed (the link is written directly, as before the restriction).
    const links = world.stack.subgraphs.consent.dataSource.getRepository(VisitorLink);
    await links.save(links.create({ id: randomUUID(), tenantId: world.acme.id, visitorId: linked, endUserId: ids.restrictedWithData }));
    const widgetUrl = world.stack.gatewayUrl.replace(/\/graphql$/, '/widget/graphql');
    const cookie = 'mutation($v: String!) { recordCookieConsent(input: { visitorId: $v, choices: { functional: true, analytics: true, advertising: true } }) }';
    const browser = httpClient(widgetUrl, undefined, { 'x-widget-key': widgetKey, origin: 'https://www.acme.example' });
    const before = await consents.countBy({ tenantId: world.acme.id, visitorId: linked });
    const restricted = await browser.send(cookie, { v: linked });
    const unknown = await browser.send(cookie, { v: `visitor-${randomUUID().slice(0, 8)}` });
    expect(restricted.data).toEqual({ recordCookieConsent: true });
    expect(restricted.errors).toBeUndefined();
    expect(unknown.data).toEqual(restricted.data);
    expect(await consents.countBy({ tenantId: world.acme.id, visitorId: linked })).toBe(before);
  });
});

describe('the end-user state service field', () => {
  it('is not in the public API and answers only interactions, consent and crm over their links', async () => {
    const query = 'query($ids: [ID!]!) { endUserStates(ids: $ids) { id restricted } }';
    expect(codes(await world.as(tokens.admin).send(query, { ids: [ids.valid] }))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const signer = await world.env.signer();
    const direct: GraphQLResponse = await callSubgraph(signer, 'identity', world.stack.subgraphUrls.identity, memberClaims(world.acme, ['admin']), query, { ids: [ids.valid] });
    expect(codes(direct)).toEqual(['FORBIDDEN']);
  });
});
