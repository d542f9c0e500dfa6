import type { DataSource } from 'typeorm';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/kit/config';
import { codes, type GraphQLResponse } from '../helpers/environment';
import { seededStack, type SeededStack } from '../helpers/stack';
import { FAKE_CREDENTIALS, startFakeCrm, type FakeCrm } from '../../scripts/crm-fake/fake-crm';
import { PrivacyTask } from '../../subgraphs/identity/entities/privacy-request.entity';
import { eventually } from '../helpers/eventually';

let world: SeededStack;
let officer: string;
let agent: string;
let globexOfficer: string;
let admin: string;

const sources = (): Record<SubgraphName, DataSource> =>
  Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, world.stack.subgraphs[name].dataSource])) as Record<SubgraphName, DataSource>;

/** Every row of every table of every subgraph, as text, with where it came from. */
async function allRows(): Promise<{ where: string; text: string }[]> {
  const rows: { where: string; text: string }[] = [];
  for (const [name, source] of Object.entries(sources())) {
    for (const { tableName } of source.entityMetadatas) {
      for (const row of await source.query(`SELECT * FROM ${source.driver.escape(tableName)}`)) {
        rows.push({ where: `${name}.${tableName}`, text: JSON.stringify(row) });
      }
    }
  }
  return rows;
}

const CREATE = `mutation($input: CreateEndUserInput!) { createEndUser(input: $input) { id } }`;
const REQUEST = `mutation($input: CreatePrivacyRequestInput!) {
  createPrivacyRequest(input: $input) { id kind status endUserId dueAt completedAt tasks { target status attempts lastError } }
}`;

async function newEndUser(token: string, suffix: string): Promise<string> {
  const response = await world.as(token).send(
    CREATE,
    { input: { firstName: 'Pat', lastName: `Privacy${suffix}`, email: `pat.${suffix}@example.org`, phone: `+1415555${suffix.padStart(4, '0').slice(-4)}`, ssn: '123-45-6789', dateOfBirth: '1980-02-03' } },
  );
  expect(response.errors).toBeUndefined();
  return response.data.createEndUser.id;
}

function expectCode(response: GraphQLResponse, code: string): void {
  expect(codes(response)).toContain(code);
}

let fake: FakeCrm;

beforeAll(async () => {
  fake = await startFakeCrm({ port: 0 });
  // The retry worker looks for due targets every 200 ms here (30 s by default).
  world = await seededStack({ env: { PRIVACY_RETRY_INTERVAL_MS: '200', CRM_RETRIES: '0', CRM_TIMEOUT_MS: '1000' } });
  officer = await world.env.token({ tenant: 'acme', roles: ['privacy_officer'] });
  agent = await world.env.token({ tenant: 'acme', roles: ['agent'] });
  globexOfficer = await world.env.token({ tenant: 'globex', roles: ['privacy_officer'] });
  admin = await world.env.token({ tenant: 'acme', roles: ['admin'] });
});
afterAll(async () => {
  await world?.close();
  await fake?.close();
});

describe('privacy requests: who may', () => {
  it('are for privacy officers only, and only for their own tenant’s end-users', async () => {
    const id = world.acme.endUserIds[0];
    const byAgent = await world.as(agent).send(REQUEST, { input: { endUserId: id, kind: 'ACCESS' } });
    expectCode(byAgent, 'FORBIDDEN');
    const fromGlobex = await world.as(globexOfficer).send(REQUEST, { input: { endUserId: id, kind: 'ERASURE' } });
    expectCode(fromGlobex, 'NOT_FOUND');
    expect((await world.as(agent).send('{ privacyRequests { edges { node { id } } } }')).data?.privacyRequests ?? null).toBeNull();
    const legal = await world.as(agent).send('mutation($input: PlaceLegalHoldInput!) { placeLegalHold(input: $input) { id } }', { input: { endUserId: id, reason: 'x' } });
    expectCode(legal, 'FORBIDDEN');
    // Every other privacy operation, tried by an agent (and by a supervisor, who reads PII but is no privacy officer).
    const supervisor = await world.env.token({ tenant: 'acme', roles: ['supervisor'] });
    const attempts: [string, Record<string, unknown>][] = [
      ['query($id: ID!) { privacyRequest(id: $id) { id } }', { id }],
      ['query($id: ID!) { privacyAccessExport(requestId: $id) }', { id }],
      ['mutation($id: ID!) { retryPrivacyRequest(id: $id) { id } }', { id }],
      ['mutation($id: ID!) { liftProcessingRestriction(endUserId: $id) { id } }', { id }],
      ['mutation($id: ID!) { releaseLegalHold(id: $id) { id } }', { id }],
      ['query($id: ID) { legalHolds(endUserId: $id) { edges { node { id } } } }', { id }],
      ['query($id: ID) { disclosures(endUserId: $id) { edges { node { id } } } }', { id }],
      ['mutation($id: ID!) { recordDisclosure(input: { endUserId: $id, authority: "a", legalBasis: "b", reference: "c", dataCategories: ["profile"], disclosedAt: "2026-01-01T00:00:00Z" }) { id } }', { id }],
    ];
    for (const token of [agent, supervisor]) {
      for (const [query, variables] of attempts) expectCode(await world.as(token).send(query, variables), 'FORBIDDEN');
    }
  });

  it('refuses bad input naming the field', async () => {
    const id = world.acme.endUserIds[0];
    const noFields = await world.as(officer).send(REQUEST, { input: { endUserId: id, kind: 'RECTIFICATION' } });
    expect(noFields.errors?.[0].extensions?.field).toBe('rectification');
    const past = await world.as(officer).send(REQUEST, { input: { endUserId: id, kind: 'ACCESS', dueAt: '2020-01-01T00:00:00Z' } });
    expect(past.errors?.[0].extensions?.field).toBe('dueAt');
    const badDob = await world.as(officer).send(REQUEST, { input: { endUserId: id, kind: 'RECTIFICATION', rectification: { dateOfBirth: '2999-01-01' } } });
    expect(badDob.errors?.[0].extensions?.field).toBe('dateOfBirth');
  });
});

describe('legal holds', () => {
  it('refuse an erasure and leave everything as it was; once released, erasure proceeds', async () => {
    const id = await newEndUser(admin, '7001');
    const hold = await world.as(officer).send(
      'mutation($input: PlaceLegalHoldInput!) { placeLegalHold(input: $input) { id endUserId releasedAt } }',
      { input: { endUserId: id, reason: 'Litigation 2026-17', reference: 'CASE-17' } },
    );
    expect(hold.errors).toBeUndefined();
    const before = await allRows();
    const refused = await world.as(officer).send(REQUEST, { input: { endUserId: id, kind: 'ERASURE' } });
    expectCode(refused, 'CONFLICT');
    expect(await allRows()).toEqual(before);

    const released = await world.as(officer).send('mutation($id: ID!) { releaseLegalHold(id: $id) { releasedAt } }', { id: hold.data.placeLegalHold.id });
    expect(released.data.releaseLegalHold.releasedAt).not.toBeNull();
    const audit = await world.as(officer).send('query($id: ID) { auditEvents(endUserId: $id, first: 50) { edges { node { action reference } } } }', { id });
    const actions = audit.data.auditEvents.edges.map((edge: any) => edge.node.action);
    expect(actions).toEqual(expect.arrayContaining(['LEGAL_HOLD_PLACED', 'LEGAL_HOLD_RELEASED']));
    const erased = await world.as(officer).send(REQUEST, { input: { endUserId: id, kind: 'ERASURE' } });
    expect(erased.data.createPrivacyRequest).toMatchObject({ status: 'COMPLETED', endUserId: null });
  });
});

describe('disclosures', () => {
  it('are recorded, listed and audited', async () => {
    const id = world.acme.endUserIds[1];
    const recorded = await world.as(officer).send(
      'mutation($input: RecordDisclosureInput!) { recordDisclosure(input: $input) { id authority dataCategories } }',
      { input: { endUserId: id, authority: 'Regional court', legalBasis: 'Production order §12', reference: 'PO-2026-4', dataCategories: ['profile', 'transcripts'], disclosedAt: new Date().toISOString() } },
    );
    expect(recorded.errors).toBeUndefined();
    const listed = await world.as(officer).send('query($id: ID) { disclosures(endUserId: $id) { edges { node { id reference } } } }', { id });
    expect(listed.data.disclosures.edges).toEqual([{ node: { id: recorded.data.recordDisclosure.id, reference: 'PO-2026-4' } }]);
    const fromGlobex = await world.as(globexOfficer).send('query($id: ID) { disclosures(endUserId: $id) { edges { node { id } } } }', { id });
    expect(fromGlobex.data.disclosures.edges).toEqual([]);
    const audit = await world.as(officer).send('query($id: ID) { auditEvents(endUserId: $id, first: 50) { edges { node { action fields reference } } } }', { id });
    expect(audit.data.auditEvents.edges.map((edge: any) => edge.node)).toContainEqual({
      action: 'DISCLOSURE_RECORDED', fields: ['profile', 'transcripts'], reference: recorded.data.recordDisclosure.id,
    });
  });
});

const OUTBOUND = `mutation($id: ID!, $channel: Channel!) { recordInteraction(input: { endUserId: $id, channel: $channel, direction: OUTBOUND }) { id } }`;

async function interactionCount(endUserId: string): Promise<number> {
  const rows = await sources().interactions.query('SELECT COUNT(*) AS n FROM interactions WHERE endUserId = ?', [endUserId]);
  return Number(rows[0].n);
}

describe('restriction', () => {
  it('stops contact and updates, hides the person from all but privacy officers, until lifted', async () => {
    const id = await newEndUser(admin, '7101');
    expect((await world.as(agent).send(OUTBOUND, { id, channel: 'VOICE' })).errors).toBeUndefined();
    const restricted = await world.as(officer).send(REQUEST, { input: { endUserId: id, kind: 'RESTRICTION' } });
    expect(restricted.errors).toBeUndefined();
    expect(restricted.data.createPrivacyRequest.status).toBe('COMPLETED');
    expect(restricted.data.createPrivacyRequest.tasks.map((task: any) => [task.target, task.status])).toEqual([['consent', 'DONE'], ['identity', 'DONE']]);

    const before = await interactionCount(id);
    // The agent may not see the restricted person: refused as if there were none.
    const contact = await world.as(agent).send(OUTBOUND, { id, channel: 'SMS' });
    expectCode(contact, 'NOT_FOUND');
    expect(contact.errors![0].message).not.toMatch(/restricted/);
    expect(await interactionCount(id)).toBe(before);

    const update = await world.as(admin).send('mutation($id: ID!) { updateEndUser(id: $id, input: { lastName: "Changed" }) { id } }', { id });
    expect(update.data).toBeNull();
    expect(update.errors).toBeDefined();
    const upsert = await world.as(agent).send('mutation($id: ID!) { updateEndUser(id: $id, input: { firstName: "X" }) { id } }', { id });
    expect(upsert.errors).toBeDefined();
    // Admins hold every permission of their tenant, privacy:manage included; a supervisor does not.
    const supervisor = await world.env.token({ tenant: 'acme', roles: ['supervisor'] });
    expect((await world.as(supervisor).send('query($id: ID!) { endUser(id: $id) { id } }', { id })).data.endUser).toBeNull();
    const listed = await world.as(supervisor).send('{ endUsers(first: 100) { edges { node { id } } } }');
    expect(listed.data.endUsers.edges.map((edge: any) => edge.node.id)).not.toContain(id);
    const seen = await world.as(officer).send('query($id: ID!) { endUser(id: $id) { id lastName processingRestricted } }', { id });
    expect(seen.data.endUser).toEqual({ id, lastName: 'Privacy7101', processingRestricted: true });

    const lifted = await world.as(officer).send('mutation($id: ID!) { liftProcessingRestriction(endUserId: $id) { processingRestricted } }', { id });
    expect(lifted.data.liftProcessingRestriction.processingRestricted).toBe(false);
    expect((await world.as(supervisor).send('query($id: ID!) { endUser(id: $id) { id } }', { id })).data.endUser).toEqual({ id });
    expect((await world.as(agent).send(OUTBOUND, { id, channel: 'SMS' })).errors).toBeUndefined();
    const audit = await world.as(officer).send('query($id: ID) { auditEvents(endUserId: $id, first: 50) { edges { node { action } } } }', { id });
    expect(audit.data.auditEvents.edges.map((edge: any) => edge.node.action)).toEqual(expect.arrayContaining(['RESTRICTED', 'RESTRICTION_LIFTED', 'PRIVACY_REQUEST_COMPLETED']));
  });
});

describe('objection', () => {
  it('opts the person out of contact on every channel', async () => {
    const id = await newEndUser(admin, '7201');
    const objection = await world.as(officer).send(REQUEST, { input: { endUserId: id, kind: 'OBJECTION' } });
    expect(objection.data.createPrivacyRequest.status).toBe('COMPLETED');
    for (const channel of ['VOICE', 'CHAT', 'EMAIL', 'SMS', 'SOCIAL']) {
      const contact = await world.as(agent).send(OUTBOUND, { id, channel });
      expectCode(contact, 'FORBIDDEN');
    }
    expect(await interactionCount(id)).toBe(0);
  });
});

interface Person {
  id: string;
  email: string;
  phone: string;
  hubspotId: string;
  zendeskId: string;
}

const connectionIds: { hubspot?: string; zendesk?: string } = {};

async function crmConnections(): Promise<{ hubspot: string; zendesk: string }> {
  const create = 'mutation($input: CreateCrmConnectionInput!) { createCrmConnection(input: $input) { id } }';
  for (const [key, provider, credentials] of [
    ['hubspot', 'HUBSPOT', { accessToken: FAKE_CREDENTIALS.hubspot.accessToken }],
    ['zendesk', 'ZENDESK', FAKE_CREDENTIALS.zendesk],
  ] as const) {
    if (connectionIds[key]) continue;
    const response = await world.as(admin).send(create, { input: { name: `Privacy ${key}`, provider, role: 'SERVICE_PROVIDER', baseUrl: fake.urls[key], credentials } });
    expect(response.errors).toBeUndefined();
    connectionIds[key] = response.data.createCrmConnection.id;
  }
  return connectionIds as { hubspot: string; zendesk: string };
}

/** A person with data in every subgraph and a record in two CRMs, linked by matching and by pushing. */
async function personEverywhere(suffix: string): Promise<Person> {
  const id = await newEndUser(admin, suffix);
  const { data } = await world.as(admin).send('query($id: ID!) { endUser(id: $id) { email phone } }', { id });
  const { hubspot, zendesk } = await crmConnections();
  const steps: [string, Record<string, unknown>][] = [
    ['mutation($id: ID!) { recordInteraction(input: { endUserId: $id, channel: CHAT, direction: INBOUND, transcript: [{ sequence: 1, speaker: END_USER, text: "Hello, this is Pat about order 55" }] }) { id } }', { id }],
    ['mutation($id: ID!) { recordConsent(input: { endUserId: $id, purpose: CONTACT_EMAIL, granted: true, source: AGENT }) { id } }', { id }],
    ['mutation($id: ID!) { optOutOfContact(endUserId: $id, channel: SMS, source: AGENT) { id } }', { id }],
  ];
  for (const [query, variables] of steps) expect((await world.as(agent).send(query, variables)).errors).toBeUndefined();
  const contact = fake.addHubSpotContact({ firstname: 'Pat', lastname: `Privacy${suffix}`, email: data.endUser.email });
  const matched = await world.as(admin).send('mutation($input: CrmEndUserConnectionInput!) { matchCrmRecord(input: $input) { externalId } }', { input: { endUserId: id, connectionId: hubspot } });
  expect(matched.data.matchCrmRecord.externalId).toBe(contact.id);
  const pushed = await world.as(admin).send('mutation($input: CrmEndUserConnectionInput!) { pushEndUserToCrm(input: $input) { created link { externalId } } }', { input: { endUserId: id, connectionId: zendesk } });
  expect(pushed.data.pushEndUserToCrm.created).toBe(true);
  const hold = await world.as(officer).send('mutation($input: PlaceLegalHoldInput!) { placeLegalHold(input: $input) { id } }', { input: { endUserId: id, reason: 'Audit 2026' } });
  await world.as(officer).send('mutation($id: ID!) { releaseLegalHold(id: $id) { id } }', { id: hold.data.placeLegalHold.id });
  await world.as(officer).send(
    'mutation($input: RecordDisclosureInput!) { recordDisclosure(input: $input) { id } }',
    { input: { endUserId: id, authority: 'Tax office', legalBasis: 'Statute 4', reference: `T-${suffix}`, dataCategories: ['profile'], disclosedAt: new Date().toISOString() } },
  );
  return { id, email: data.endUser.email, phone: data.endUser.phone, hubspotId: contact.id, zendeskId: pushed.data.pushEndUserToCrm.link.externalId };
}

const inFake = (person: Person) => ({
  hubspot: [...fake.stores.hubspot.values()].filter((c) => c.id === person.hubspotId || c.properties.email === person.email).length,
  zendesk: [...fake.stores.zendesk.values(), ...fake.stores.zendeskDeleted.values()].filter((u) => String(u.id) === person.zendeskId || u.email === person.email).length,
});

const mentions = (person: Person) => (text: string) => [person.id, person.email, person.phone].some((value) => text.includes(value));

/** The person's rows and the rows that hang off them (a transcript segment names its interaction, not the person). */
async function rowsOf(person: Person): Promise<(text: string) => boolean> {
  // Identity's own records about the person (audit, holds, disclosures) stay, without the person's id.
  const direct = (await allRows())
    .filter((row) => !row.where.startsWith('identity.') && mentions(person)(row.text))
    .map((row) => JSON.parse(row.text).id as string);
  return (text) => mentions(person)(text) || direct.some((id) => text.includes(id));
}

async function waitForStatus(requestId: string, status: string, limitMs = 10_000): Promise<any> {
  return eventually(async () => {
    const response = await world.as(officer).send('query($id: ID!) { privacyRequest(id: $id) { status endUserId completedAt tasks { target status attempts lastError } } }', { id: requestId });
    expect(response.data.privacyRequest).toMatchObject({ status });
    return response.data.privacyRequest;
  }, { what: `privacy request ${status}`, timeoutMs: limitMs, intervalMs: 100 });
}

describe('erasure', () => {
  it('leaves no row referring to the person in any subgraph, nothing in the CRMs, every other end-user untouched, and a tombstone', async () => {
    const person = await personEverywhere('7301');
    const bystander = await personEverywhere('7302');
    const refersToPerson = await rowsOf(person);
    expect((await allRows()).filter((row) => refersToPerson(row.text)).map((row) => row.where)).toEqual(
      expect.arrayContaining(['identity.end_users', 'interactions.interactions', 'consent.consent_records', 'consent.contact_opt_outs', 'crm.crm_links', 'identity.audit_events', 'interactions.transcript_segments']),
    );
    expect(inFake(person)).toEqual({ hubspot: 1, zendesk: 1 });
    const othersBefore = (await allRows()).filter((row) => !refersToPerson(row.text) && !row.where.endsWith('crm_connections'));

    const erasure = await world.as(officer).send(REQUEST, { input: { endUserId: person.id, kind: 'ERASURE' } });
    expect(erasure.errors).toBeUndefined();
    const request = erasure.data.createPrivacyRequest;
    expect(request).toMatchObject({ kind: 'ERASURE', status: 'COMPLETED', endUserId: null });
    expect(request.tasks.map((task: any) => [task.target, task.status])).toEqual([['interactions', 'DONE'], ['consent', 'DONE'], ['crm', 'DONE'], ['identity', 'DONE']]);

    const after = await allRows();
    expect(after.filter((row) => refersToPerson(row.text))).toEqual([]);
    expect(inFake(person)).toEqual({ hubspot: 0, zendesk: 0 });
    expect(inFake(bystander)).toEqual({ hubspot: 1, zendesk: 1 });
    const afterTexts = new Set(after.map((row) => row.text));
    expect(othersBefore.filter((row) => !afterTexts.has(row.text))).toEqual([]);
    // The tombstone: the request and its tasks, with no personal data, and the audit entries naming it
    // (created, completed, erased).
    const tombstone = after.filter((row) => row.text.includes(request.id));
    expect(tombstone.map((row) => row.where).sort()).toEqual([
      ...Array(3).fill('identity.audit_events'), 'identity.privacy_requests', ...Array(4).fill('identity.privacy_tasks'),
    ]);
    expect((await world.as(officer).send('query($id: ID!) { endUser(id: $id) { id } }', { id: person.id })).data.endUser).toBeNull();

    const again = await world.as(officer).send('mutation($id: ID!) { retryPrivacyRequest(id: $id) { status } }', { id: request.id });
    expect(again.data.retryPrivacyRequest.status).toBe('COMPLETED');
  });

  it('retries a CRM that fails the first attempt until the request completes, the profile kept meanwhile', async () => {
    const person = await personEverywhere('7401');
    fake.setMode('zendesk', { kind: 'down' });
    const erasure = await world.as(officer).send(REQUEST, { input: { endUserId: person.id, kind: 'ERASURE' } });
    const request = erasure.data.createPrivacyRequest;
    expect(request.status).toBe('IN_PROGRESS');
    expect(request.tasks.map((task: any) => [task.target, task.status, task.attempts])).toEqual([
      ['interactions', 'DONE', 1], ['consent', 'DONE', 1], ['crm', 'FAILED', 1], ['identity', 'PENDING', 0],
    ]);
    expect(request.tasks[2].lastError).toMatch(/^UNAVAILABLE/);
    expect(request.tasks[2].lastError).not.toContain(person.email);
    // Identity waits for the CRMs: the profile is still there to retry with.
    expect((await world.as(officer).send('query($id: ID!) { endUser(id: $id) { id } }', { id: person.id })).data.endUser).toEqual({ id: person.id });

    fake.setMode('zendesk', { kind: 'up' });
    // Bring the backoff forward instead of waiting 30 s; the worker does the rest.
    await world.stack.subgraphs.identity.dataSource.getRepository(PrivacyTask).update({ requestId: request.id }, { nextAttemptAt: new Date(Date.now() - 1000) });
    const done = await waitForStatus(request.id, 'COMPLETED');
    expect(done.tasks.map((task: any) => [task.target, task.status, task.attempts])).toEqual([
      ['interactions', 'DONE', 1], ['consent', 'DONE', 1], ['crm', 'DONE', 2], ['identity', 'DONE', 1],
    ]);
    expect(inFake(person)).toEqual({ hubspot: 0, zendesk: 0 });
    expect((await allRows()).filter((row) => mentions(person)(row.text))).toEqual([]);
  });
});

describe('access', () => {
  it('exports every field and every linked record created for the person, in one JSON document', async () => {
    const person = await personEverywhere('7501');
    const access = await world.as(officer).send(REQUEST, { input: { endUserId: person.id, kind: 'ACCESS' } });
    expect(access.data.createPrivacyRequest.status).toBe('COMPLETED');
    const exported = await world.as(officer).send('query($id: ID!) { privacyAccessExport(requestId: $id) }', { id: access.data.createPrivacyRequest.id });
    expect(exported.errors).toBeUndefined();
    const doc = JSON.parse(exported.data.privacyAccessExport);
    expect(doc.identity.profile).toMatchObject({
      id: person.id, firstName: 'Pat', lastName: 'Privacy7501', email: person.email, phone: person.phone, ssn: '123-45-6789', dateOfBirth: '1980-02-03',
    });
    for (const field of ['address', 'gender', 'maritalStatus', 'geolocation', 'externalRef', 'dataRegion']) expect(doc.identity.profile).toHaveProperty(field);
    expect(doc.identity.disclosures.map((d: any) => d.reference)).toEqual(['T-7501']);
    expect(doc.identity.legalHolds).toHaveLength(1);
    const text = JSON.stringify(doc);
    expect(text).toContain('Hello, this is Pat about order 55');
    expect(text).toContain('CONTACT_EMAIL');
    expect(text).toContain('SMS');
    expect(text).toContain(person.hubspotId);
    expect(text).toContain(person.zendeskId);
    expect(doc.processing).toHaveProperty('purposes');
    expect(doc.processing).toHaveProperty('retention');
    const fromAgent = await world.as(agent).send('query($id: ID!) { privacyAccessExport(requestId: $id) }', { id: access.data.createPrivacyRequest.id });
    expectCode(fromAgent, 'FORBIDDEN');
  });
});

describe('a restricted person', () => {
  it('is not synced to a CRM', async () => {
    const person = await personEverywhere('7601');
    await world.as(officer).send(REQUEST, { input: { endUserId: person.id, kind: 'RESTRICTION' } });
    const before = fake.requests('zendesk');
    const push = await world.as(admin).send('mutation($input: CrmEndUserConnectionInput!) { pushEndUserToCrm(input: $input) { created } }', { input: { endUserId: person.id, connectionId: connectionIds.zendesk } });
    expect(push.errors).toBeDefined();
    expect(fake.requests('zendesk')).toBe(before);
  });
});
