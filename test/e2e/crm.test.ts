import { randomBytes } from 'node:crypto';
import { startFakeCrm, type FakeCrm, type FakeCredentials } from '../../scripts/crm-fake/fake-crm';
import { CrmConnection } from '../../subgraphs/crm/entities/crm-connection.entity';
import { CrmLink } from '../../subgraphs/crm/entities/crm-link.entity';
import {
  CONTEXT_HEADER,
  decodeSecret,
  requestDigest,
  serviceLinkKey,
  ServiceContextSigner,
} from '../../platform/contracts/signed-context';
import { callSubgraph, codes, memberClaims, type GraphQLResponse } from '../helpers/environment';
import { httpClient } from '../helpers/graphql';
import { startFakeSharingGate, type FakeSharingGate } from '../helpers/consent-stand-in';
import { captureLogs } from '../helpers/log-capture';
import { startRecordingListener, type RecordingListener } from '../helpers/recording-listener';
import { seededStack, type SeededStack } from '../helpers/stack';
import { eventually } from '../helpers/eventually';

const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;
const CREDENTIALS: FakeCredentials = {
  hubspot: { accessToken: secret('pat-na1') },
  salesforce: { accessToken: secret('00Dsf') },
  zendesk: { email: 'integrations@acme.example', apiToken: secret('zd') },
};
const SECRETS = [CREDENTIALS.hubspot.accessToken, CREDENTIALS.salesforce.accessToken, CREDENTIALS.zendesk.apiToken];
const WRONG_TOKEN = secret('wrong-token');

const logs = captureLogs();
/** Answers of the subgraphs called directly; the gateway's are in `world.answers`. */
const responses: string[] = [];
let world: SeededStack;
let fake: FakeCrm;
let consent: FakeSharingGate;
/** Hosts an attacker controls: `trap` is even in CRM_ALLOWED_HOSTS (only the credential binding stops it), `outside` is not. */
let trap: RecordingListener;
let outside: RecordingListener;
/** A CRM an admin legitimately moves a connection to, with new credentials. */
let elsewhere: RecordingListener;
const tokens: Record<string, string> = {};
const connections: Record<'hubspot' | 'salesforce' | 'zendesk', string> = { hubspot: '', salesforce: '', zendesk: '' };
let ada: { id: string; email: string; phone: string };
let bob: { id: string; email: string; phone: string };

const CREATE = 'mutation($input: CreateCrmConnectionInput!) { createCrmConnection(input: $input) { id name provider role status hasCredentials baseUrl } }';
const MATCH = 'mutation($input: CrmEndUserConnectionInput!) { matchCrmRecord(input: $input) { id externalId method connectionId } }';
const PUSH = 'mutation($input: CrmEndUserConnectionInput!) { pushEndUserToCrm(input: $input) { created link { id externalId method } } }';
const RECORDS = `query($id: ID!) { endUser(id: $id) { id crmRecords { edges { cursor link { connectionId externalId }
  node { connectionId provider externalId name email phone company owner url fields { name value } } } pageInfo { hasNextPage } } } }`;
const STATUS = '{ crmConnections(first: 50) { edges { node { id status lastError } } } }';

const statusOf = async (id: string) =>
  (await world.as(tokens.admin).send(STATUS)).data.crmConnections.edges.map((e: any) => e.node).find((n: any) => n.id === id) as { status: string; lastError: string | null };
const recordsOf = async (id: string, token = tokens.agent) => world.as(token).send(RECORDS, { id });
const nodeFor = (response: GraphQLResponse, connectionId: string) =>
  response.data.endUser.crmRecords.edges.find((e: any) => e.link.connectionId === connectionId);

beforeAll(async () => {
  fake = await startFakeCrm({ credentials: CREDENTIALS });
  [trap, outside, elsewhere] = await Promise.all([startRecordingListener(), startRecordingListener(), startRecordingListener()]);
  // The crm subgraph asks this stand-in for sharing decisions (signed over the crm>consent link).
  consent = await startFakeSharingGate(() => world.env.keys);
  world = await seededStack({
    logger: logs.logger,
    env: {
      CRM_TIMEOUT_MS: '1000',
      CRM_RETRIES: '1',
      CRM_RETRY_BASE_MS: '5',
      CRM_BREAKER_FAILURES: '3',
      CRM_BREAKER_COOLDOWN_MS: '1500',
      CRM_CACHE_TTL_MS: '60000',
      // Production's address rule, with the local CRMs allowlisted by host and port.
      CRM_ALLOW_PRIVATE_ADDRESSES: 'false',
      CRM_ALLOWED_HOSTS: [fake, trap, elsewhere].map((listener) => `127.0.0.1:${listener.port}`).join(','),
      // Service calls to consent go to the stand-in; the gateway still uses the real consent subgraph.
      CONSENT_URL: consent.url,
    },
  });
  for (const role of ['admin', 'agent', 'integrator', 'analyst', 'supervisor']) {
    tokens[role] = await world.env.token({ tenant: 'acme', roles: [role], sub: `acme-${role}` });
  }
  tokens.globexAdmin = await world.env.token({ tenant: 'globex', roles: ['admin'], sub: 'globex-admin' });
  const profile = async (id: string) => {
    const { data } = await world.as(tokens.admin).send('query($id: ID!) { endUser(id: $id) { id email phone } }', { id });
    return data.endUser as { id: string; email: string; phone: string };
  };
  // Odd ones: the seed links the even ones to a CRM address nothing listens on.
  ada = await profile(world.acme.endUserIds[1]);
  bob = await profile(world.acme.endUserIds[3]);
});
afterAll(async () => {
  await world?.close();
  await consent?.close();
  await fake?.close();
  await Promise.all([trap, outside, elsewhere].map((listener) => listener?.close()));
});

describe('connections', () => {
  it('are created by the tenant admin with credentials that are stored encrypted and never returned', async () => {
    const specs = [
      { key: 'hubspot', provider: 'HUBSPOT', role: 'SERVICE_PROVIDER', credentials: { accessToken: CREDENTIALS.hubspot.accessToken } },
      { key: 'salesforce', provider: 'SALESFORCE', role: 'THIRD_PARTY', credentials: { accessToken: CREDENTIALS.salesforce.accessToken } },
      { key: 'zendesk', provider: 'ZENDESK', role: 'SERVICE_PROVIDER', credentials: CREDENTIALS.zendesk },
    ] as const;
    for (const spec of specs) {
      const response = await world.as(tokens.admin).send(CREATE, {
        input: { name: `Acme ${spec.key}`, provider: spec.provider, role: spec.role, baseUrl: `${fake.urls[spec.key]}/`, credentials: spec.credentials },
      });
      expect(response.errors).toBeUndefined();
      expect(response.data.createCrmConnection).toMatchObject({ provider: spec.provider, role: spec.role, status: 'ACTIVE', hasCredentials: true, baseUrl: fake.urls[spec.key] });
      connections[spec.key] = response.data.createCrmConnection.id;
    }
    const rows = await world.stack.subgraphs.crm.dataSource.getRepository(CrmConnection).find({ where: { tenantId: world.acme.id } });
    for (const row of rows.filter((r) => Object.values(connections).includes(r.id))) expect(row.credentialsEncrypted).toMatch(/^v1\./);
    expect(codes(await world.as(tokens.admin).send('{ crmConnections { edges { node { id credentials } } } }'))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('refuses missing credentials, bad base URLs and bad input, naming the field', async () => {
    const input = { name: 'x', provider: 'ZENDESK', role: 'SERVICE_PROVIDER', baseUrl: fake.urls.zendesk };
    const cases: [Record<string, unknown>, string][] = [
      [input, 'credentials'],
      [{ ...input, credentials: { email: 'a@example.com' } }, 'credentials.apiToken'],
      [{ ...input, provider: 'HUBSPOT', credentials: { apiToken: 'abcdefghij' } }, 'credentials.accessToken'],
      [{ ...input, baseUrl: 'ftp://crm.example', credentials: CREDENTIALS.zendesk }, 'baseUrl'],
      [{ ...input, baseUrl: 'http://user:pw@crm.example', credentials: CREDENTIALS.zendesk }, 'baseUrl'],
      [{ ...input, name: '', credentials: CREDENTIALS.zendesk }, 'name'],
    ];
    for (const [given, field] of cases) {
      const response = await world.as(tokens.admin).send(CREATE, { input: given });
      expect(response.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field });
    }
  });
});

describe('links and live records', () => {
  it('links an end-user by email in one CRM and by phone in another, asking the sharing gate first', async () => {
    fake.addHubSpotContact({ firstname: 'Ada', lastname: 'Lovelace', email: ada.email, phone: ada.phone, company: 'Analytical Engines' });
    fake.addSalesforceContact({ FirstName: 'Ada', LastName: 'Lovelace', Phone: ada.phone, AccountName: 'Initech' });
    const byEmail = await world.as(tokens.integrator).send(MATCH, { input: { endUserId: ada.id, connectionId: connections.hubspot } });
    expect(byEmail.data.matchCrmRecord).toMatchObject({ method: 'MATCHED_EMAIL', connectionId: connections.hubspot });
    const byPhone = await world.as(tokens.integrator).send(MATCH, { input: { endUserId: ada.id, connectionId: connections.salesforce } });
    expect(byPhone.data.matchCrmRecord).toMatchObject({ method: 'MATCHED_PHONE', externalId: expect.stringMatching(/^003/) });
    expect(consent.calls.slice(-2).map((c) => [c.recipient, c.endUserId, c.claims.tenant?.slug, c.claims.principal.id])).toEqual([
      ['SERVICE_PROVIDER', ada.id, 'acme', 'crm'],
      ['THIRD_PARTY', ada.id, 'acme', 'crm'],
    ]);
    const none = await world.as(tokens.integrator).send(MATCH, { input: { endUserId: bob.id, connectionId: connections.zendesk } });
    expect(none).toMatchObject({ data: { matchCrmRecord: null } });
    expect(none.errors).toBeUndefined();
  });

  it('reads the live, normalised fields through the gateway, one provider call per connection, then from the cache', async () => {
    fake.addHubSpotContact({ firstname: 'Bob', lastname: 'Kahn', email: bob.email });
    await world.as(tokens.integrator).send(MATCH, { input: { endUserId: bob.id, connectionId: connections.hubspot } });
    const older = fake.addHubSpotContact({ firstname: 'Robert', lastname: 'Kahn', email: 'old.address@example.com' });
    const linked = await world.as(tokens.integrator).send('mutation($input: LinkCrmRecordInput!) { linkCrmRecord(input: $input) { method } }', {
      input: { endUserId: bob.id, connectionId: connections.hubspot, externalId: older.id },
    });
    expect(linked.data.linkCrmRecord.method).toBe('MANUAL');
    const before = fake.requests('hubspot');
    const response = await recordsOf(bob.id);
    expect(response.errors).toBeUndefined();
    expect(response.data.endUser.crmRecords.edges.map((e: any) => e.node.name)).toEqual(['Bob Kahn', 'Robert Kahn']);
    expect(fake.log('hubspot').slice(before)).toEqual(['POST /crm/v3/objects/contacts/batch/read']);
    await recordsOf(bob.id);
    expect(fake.requests('hubspot')).toBe(before + 1);

    const { data, errors } = await recordsOf(ada.id);
    expect(errors).toBeUndefined();
    expect(nodeFor({ status: 200, data }, connections.hubspot).node).toMatchObject({
      provider: 'HUBSPOT', name: 'Ada Lovelace', email: ada.email, phone: ada.phone, company: 'Analytical Engines', owner: '31337',
    });
    const salesforce = nodeFor({ status: 200, data }, connections.salesforce).node;
    expect(salesforce).toMatchObject({ provider: 'SALESFORCE', name: 'Ada Lovelace', company: 'Initech', url: expect.stringContaining('/lightning/r/Contact/') });
    expect(salesforce.fields).toEqual(expect.arrayContaining([{ name: 'Account.Name', value: 'Initech' }, { name: 'OwnerId', value: expect.any(String) }]));
  });

  it('pushes an updated profile to the linked record, and creates one where there is none', async () => {
    const renamed = await world.as(tokens.admin).send('mutation($id: ID!) { updateEndUser(id: $id, input: { lastName: "Byron" }) { lastName } }', { id: ada.id });
    expect(renamed.errors).toBeUndefined();
    const pushed = await world.as(tokens.integrator).send(PUSH, { input: { endUserId: ada.id, connectionId: connections.hubspot } });
    expect(pushed.data.pushEndUserToCrm).toMatchObject({ created: false, link: { method: 'MATCHED_EMAIL' } });
    const externalId = pushed.data.pushEndUserToCrm.link.externalId;
    expect(fake.stores.hubspot.get(externalId)?.properties.lastname).toBe('Byron');
    expect(nodeFor(await recordsOf(ada.id), connections.hubspot).node.name).toMatch(/ Byron$/);

    const created = await world.as(tokens.integrator).send(PUSH, { input: { endUserId: ada.id, connectionId: connections.zendesk } });
    expect(created.data.pushEndUserToCrm).toMatchObject({ created: true, link: { method: 'PUSHED' } });
    const user = fake.stores.zendesk.get(Number(created.data.pushEndUserToCrm.link.externalId));
    expect(user).toMatchObject({ email: ada.email, phone: ada.phone, name: expect.stringMatching(/ Byron$/) });
  });

  it('refuses a third-party push without opt-in, any push while processing is restricted, and sends nothing when consent cannot be asked', async () => {
    const before = { salesforce: fake.requests('salesforce'), hubspot: fake.requests('hubspot') };
    consent.answer = 'NO_OPT_IN';
    const refused = await world.as(tokens.integrator).send(PUSH, { input: { endUserId: ada.id, connectionId: connections.salesforce } });
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    expect(refused.errors?.[0].message).toMatch(/NO_OPT_IN/);
    expect(refused.data).toBeNull();
    const matchRefused = await world.as(tokens.integrator).send(MATCH, { input: { endUserId: bob.id, connectionId: connections.salesforce } });
    expect(codes(matchRefused)).toEqual(['FORBIDDEN']);

    consent.answer = 'RESTRICTED';
    const restricted = await world.as(tokens.integrator).send(PUSH, { input: { endUserId: ada.id, connectionId: connections.hubspot } });
    // An integrator may not see restricted persons: the refusal is the one a missing person gets.
    expect(codes(restricted)).toEqual(['NOT_FOUND']);
    expect(restricted.errors?.[0].message).not.toMatch(/restricted/);
    const toAdmin = await world.as(tokens.admin).send(PUSH, { input: { endUserId: ada.id, connectionId: connections.hubspot } });
    expect(codes(toAdmin)).toEqual(['FORBIDDEN']);
    expect(toAdmin.errors?.[0].message).toMatch(/restricted/);

    consent.answer = 'DOWN';
    expect(codes(await world.as(tokens.integrator).send(PUSH, { input: { endUserId: ada.id, connectionId: connections.hubspot } }))).toEqual(['UNAVAILABLE']);
    expect({ salesforce: fake.requests('salesforce'), hubspot: fake.requests('hubspot') }).toEqual(before);
    expect(consent.refused).toBe(0);

    consent.answer = 'ALLOWED';
    const allowed = await world.as(tokens.integrator).send(PUSH, { input: { endUserId: ada.id, connectionId: connections.salesforce } });
    expect(allowed.data.pushEndUserToCrm.created).toBe(false);
    expect(fake.stores.salesforce.get(allowed.data.pushEndUserToCrm.link.externalId)).toMatchObject({ LastName: 'Byron', Email: ada.email });
  });
});

describe('roles and tenants', () => {
  it('lets each role do only what its scopes allow', async () => {
    const input = { endUserId: ada.id, connectionId: connections.hubspot };
    expect((await recordsOf(ada.id, tokens.agent)).errors).toBeUndefined();
    expect(codes(await world.as(tokens.agent).send(PUSH, { input }))).toEqual(['FORBIDDEN']);
    expect(codes(await world.as(tokens.supervisor).send(MATCH, { input }))).toEqual(['FORBIDDEN']);
    const create = { input: { name: 'x', provider: 'HUBSPOT', role: 'THIRD_PARTY', baseUrl: fake.urls.hubspot, credentials: { accessToken: 'abcdefghij' } } };
    for (const role of ['integrator', 'agent', 'supervisor']) expect(codes(await world.as(tokens[role]).send(CREATE, create))).toEqual(['FORBIDDEN']);
    const disable = 'mutation($id: ID!) { updateCrmConnection(id: $id, input: { enabled: false }) { id } }';
    expect(codes(await world.as(tokens.integrator).send(disable, { id: connections.hubspot }))).toEqual(['FORBIDDEN']);
    expect(codes(await world.as(tokens.integrator).send('mutation($id: ID!) { deleteCrmConnection(id: $id) }', { id: connections.hubspot }))).toEqual(['FORBIDDEN']);
    const analyst = await world.as(tokens.analyst).send('query($id: ID!) { endUser(id: $id) { id crmRecords { edges { node { name } } } } }', { id: ada.id });
    expect(codes(analyst)).toContain('FORBIDDEN');
    expect(analyst.data?.endUser ?? null).toBeNull();
  });

  it('treats another tenant’s end-users and connections as missing', async () => {
    const globexConnection = (await world.as(tokens.globexAdmin).send('{ crmConnections { edges { node { id } } } }')).data.crmConnections.edges[0].node.id;
    const before = fake.requests('hubspot') + fake.requests('salesforce');
    for (const input of [
      { endUserId: ada.id, connectionId: globexConnection },
      { endUserId: world.globex.endUserIds[1], connectionId: connections.hubspot },
    ]) {
      expect(codes(await world.as(tokens.admin).send(PUSH, { input }))).toEqual(['NOT_FOUND']);
      expect(codes(await world.as(tokens.admin).send(MATCH, { input }))).toEqual(['NOT_FOUND']);
    }
    expect(codes(await world.as(tokens.globexAdmin).send(PUSH, { input: { endUserId: ada.id, connectionId: connections.hubspot } }))).toEqual(['NOT_FOUND']);
    const update = 'mutation($id: ID!) { updateCrmConnection(id: $id, input: { name: "mine" }) { id } }';
    expect(codes(await world.as(tokens.globexAdmin).send(update, { id: connections.hubspot }))).toEqual(['NOT_FOUND']);
    expect(codes(await world.as(tokens.globexAdmin).send('mutation($id: ID!) { deleteCrmConnection(id: $id) }', { id: connections.hubspot }))).toEqual(['NOT_FOUND']);
    const [link] = await world.stack.subgraphs.crm.dataSource.getRepository(CrmLink).find({ where: { tenantId: world.acme.id, endUserId: ada.id } });
    expect(codes(await world.as(tokens.globexAdmin).send('mutation($id: ID!) { unlinkCrmRecord(id: $id) }', { id: link.id }))).toEqual(['NOT_FOUND']);
    expect(await world.as(tokens.globexAdmin).send(RECORDS, { id: ada.id })).toMatchObject({ data: { endUser: null } });
    expect(fake.requests('hubspot') + fake.requests('salesforce')).toBe(before);
  });
});

describe('a CRM that fails', () => {
  it('yields partial data with an error for its records, opens its circuit, and recovers when it comes back', async () => {
    // Bob's Zendesk record is new, so nothing of it is cached.
    const pushed = await world.as(tokens.integrator).send(PUSH, { input: { endUserId: bob.id, connectionId: connections.zendesk } });
    expect(pushed.data.pushEndUserToCrm.created).toBe(true);
    fake.setMode('zendesk', { kind: 'down' });

    const first = await recordsOf(bob.id);
    expect(nodeFor(first, connections.hubspot).node.name).toBe('Bob Kahn');
    const index = first.data.endUser.crmRecords.edges.findIndex((e: any) => e.link.connectionId === connections.zendesk);
    expect(first.data.endUser.crmRecords.edges[index].node).toBeNull();
    expect(first.errors).toEqual([
      expect.objectContaining({ path: ['endUser', 'crmRecords', 'edges', index, 'node'], extensions: { code: 'UNAVAILABLE' } }),
    ]);
    expect(await statusOf(connections.zendesk)).toEqual({ id: connections.zendesk, status: 'ERROR', lastError: 'Zendesk is unavailable (HTTP 503)' });

    let paused = false;
    for (let i = 0; i < 5 && !paused; i++) paused = /paused/.test((await recordsOf(bob.id)).errors?.[0]?.message ?? '');
    expect(paused).toBe(true);
    const calls = fake.requests('zendesk');
    const whileOpen = await recordsOf(bob.id);
    expect(codes(whileOpen)).toEqual(['UNAVAILABLE']);
    expect(nodeFor(whileOpen, connections.hubspot).node.name).toBe('Bob Kahn');
    expect(fake.requests('zendesk')).toBe(calls);

    fake.setMode('zendesk', { kind: 'up' });
    const recovered = await eventually(async () => {
      const response = await recordsOf(bob.id);
      expect(response.errors).toBeUndefined();
      return response;
    }, { what: 'the CRM records once zendesk is back', timeoutMs: 10_000, intervalMs: 50 });
    expect(nodeFor(recovered, connections.zendesk).node).toMatchObject({ provider: 'ZENDESK', email: bob.email });
    expect(await statusOf(connections.zendesk)).toMatchObject({ status: 'ACTIVE' });
  });
});

describe('privacy hooks for the identity subgraph', () => {
  const contextSecret = () => decodeSecret(world.env.keys.contextSecret, 'context secret');
  /** Calls the crm subgraph as `caller` over the caller>crm link key, as a subgraph would. */
  async function asSubgraph(caller: string, tenant: { id: string; slug: string }, query: string, variables: Record<string, unknown>) {
    const signer = new ServiceContextSigner(caller, new Map([['crm', serviceLinkKey(contextSecret(), caller, 'crm')]]));
    const claims = { requestId: randomBytes(6).toString('hex'), tenant, clientIp: '127.0.0.1', principal: { id: caller, kind: 'subgraph' as const, roles: [], scopes: [] }, accessPolicy: null };
    const token = signer.sign(claims, 'crm', requestDigest(query, variables));
    const response = await httpClient(world.stack.subgraphUrls.crm, undefined, { [CONTEXT_HEADER]: token }).send(query, variables);
    responses.push(JSON.stringify(response));
    return response;
  }
  const acme = () => ({ id: world.acme.id, slug: 'acme' });
  const EXPORT = 'query($id: ID!) { privacyExportCrm(endUserId: $id) }';
  const ERASE = 'mutation($id: ID!) { privacyEraseCrm(endUserId: $id) }';
  const RECTIFY = 'mutation($id: ID!, $input: CrmRectificationInput!) { privacyRectifyCrm(endUserId: $id, input: $input) }';
  const linksOf = (endUserId: string) => world.stack.subgraphs.crm.dataSource.getRepository(CrmLink).find({ where: { endUserId } });

  it('exports the links and each linked record as the CRM holds it', async () => {
    const response = await asSubgraph('identity', acme(), EXPORT, { id: ada.id });
    expect(response.errors).toBeUndefined();
    const exported = JSON.parse(response.data.privacyExportCrm);
    expect(exported.links).toHaveLength(3);
    expect(exported.links.map((l: any) => [l.connection.provider, l.record.email])).toEqual(
      expect.arrayContaining([['HUBSPOT', ada.email], ['SALESFORCE', ada.email], ['ZENDESK', ada.email]]),
    );
    expect(exported.links.find((l: any) => l.connection.provider === 'HUBSPOT').record.fields).toMatchObject({ company: 'Analytical Engines' });
  });

  it('rectifies every linked record', async () => {
    const response = await asSubgraph('identity', acme(), RECTIFY, { id: ada.id, input: { firstName: 'Augusta' } });
    expect(response.data).toEqual({ privacyRectifyCrm: 3 });
    const names = (await recordsOf(ada.id)).data.endUser.crmRecords.edges.map((e: any) => e.node.name);
    expect(names).toEqual([expect.stringMatching(/^Augusta /), expect.stringMatching(/^Augusta /), expect.stringMatching(/^Augusta /)]);
  });

  it('refuses other callers: another subgraph’s key, a user’s context direct to the subgraph, the gateway', async () => {
    const links = (await linksOf(ada.id)).length;
    const other = await asSubgraph('interactions', acme(), ERASE, { id: ada.id });
    expect(other.status).toBe(401);
    expect(codes(other)).toEqual(['UNAUTHENTICATED']);
    const signer = await world.env.signer();
    const user = await callSubgraph(signer, 'crm', world.stack.subgraphUrls.crm, memberClaims(world.acme, ['admin']), ERASE, { id: ada.id });
    expect(codes(user)).toEqual(['FORBIDDEN']);
    const identityDirect = await callSubgraph(signer, 'identity', world.stack.subgraphUrls.identity, memberClaims(world.acme, ['admin']), 'query($id: ID!) { endUserForCrm(id: $id) { email } }', { id: ada.id });
    expect(codes(identityDirect)).toEqual(['FORBIDDEN']);
    for (const query of [ERASE, EXPORT, 'query($id: ID!) { endUserForCrm(id: $id) { email } }']) {
      expect(codes(await world.as(tokens.admin).send(query, { id: ada.id }))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    }
    expect((await linksOf(ada.id)).length).toBe(links);
    expect(fake.stores.hubspot.size).toBeGreaterThan(0);
  });

  it('touches nothing of another tenant’s end-user', async () => {
    const globexUser = world.globex.endUserIds[0];
    const links = (await linksOf(globexUser)).length;
    expect(links).toBeGreaterThan(0);
    expect(JSON.parse((await asSubgraph('identity', acme(), EXPORT, { id: globexUser })).data.privacyExportCrm).links).toEqual([]);
    expect((await asSubgraph('identity', acme(), ERASE, { id: globexUser })).data).toEqual({ privacyEraseCrm: 0 });
    expect((await linksOf(globexUser)).length).toBe(links);
  });

  it('erases the records and links; a failing CRM keeps its link for the retry that finishes the job', async () => {
    const ids = Object.fromEntries((await linksOf(ada.id)).map((l) => [l.connectionId, l.externalId]));
    fake.setMode('salesforce', { kind: 'down' });
    const partial = await asSubgraph('identity', acme(), ERASE, { id: ada.id });
    expect(codes(partial)).toEqual(['UNAVAILABLE']);
    expect(fake.stores.hubspot.has(ids[connections.hubspot])).toBe(false);
    expect(fake.stores.zendesk.has(Number(ids[connections.zendesk]))).toBe(false);
    expect(fake.stores.zendeskDeleted.has(Number(ids[connections.zendesk]))).toBe(false);
    expect((await linksOf(ada.id)).map((l) => l.connectionId)).toEqual([connections.salesforce]);

    fake.setMode('salesforce', { kind: 'up' });
    const finished = await eventually(async () => {
      const response = await asSubgraph('identity', acme(), ERASE, { id: ada.id });
      expect(response.errors).toBeUndefined();
      return response;
    }, { what: 'the erasure once salesforce is back', timeoutMs: 10_000, intervalMs: 50 });
    expect(finished.data).toEqual({ privacyEraseCrm: 2 });
    expect(fake.stores.salesforce.has(ids[connections.salesforce])).toBe(false);
    expect(await linksOf(ada.id)).toEqual([]);
    expect((await asSubgraph('identity', acme(), ERASE, { id: ada.id })).data).toEqual({ privacyEraseCrm: 0 });
  });
});

describe('connections that move', () => {
  const UPDATE = 'mutation($id: ID!, $input: UpdateCrmConnectionInput!) { updateCrmConnection(id: $id, input: $input) { id baseUrl status } }';
  const DELETE = 'mutation($id: ID!) { deleteCrmConnection(id: $id) }';
  const repo = () => world.stack.subgraphs.crm.dataSource.getRepository(CrmConnection);
  const created: string[] = [];
  async function hubspotConnection(name: string): Promise<string> {
    const response = await world.as(tokens.admin).send(CREATE, {
      input: { name, provider: 'HUBSPOT', role: 'SERVICE_PROVIDER', baseUrl: fake.urls.hubspot, credentials: { accessToken: CREDENTIALS.hubspot.accessToken } },
    });
    expect(response.errors).toBeUndefined();
    created.push(response.data.createCrmConnection.id);
    return response.data.createCrmConnection.id;
  }
  const push = (connectionId: string) => world.as(tokens.integrator).send(PUSH, { input: { endUserId: bob.id, connectionId } });
  /** Nothing at all reached the attacker's hosts: no connection, so no token and no personal data. */
  const attackerGotNothing = () => {
    expect({ trap: trap.connections, outside: outside.connections }).toEqual({ trap: 0, outside: 0 });
    expect(trap.received() + outside.received()).toBe('');
  };
  afterAll(async () => {
    for (const id of created) await world.as(tokens.admin).send(DELETE, { id });
  });

  it('refuse another scheme, host or port without new credentials, in any spelling, and keep the row as it was', async () => {
    const id = await hubspotConnection('Moving HubSpot');
    const credentialsNeeded = [
      `${trap.url}/hubspot`,
      `http://0x7f.1:${trap.port}/hubspot`,
      `http://2130706433:${trap.port}`,
      `HTTP://127.0.0.1:${trap.port}/hubspot/`,
      `https://127.0.0.1:${fake.port}/hubspot`,
    ];
    const addressRefused = [
      `${outside.url}/hubspot`,
      `http://localhost:${fake.port}/hubspot`,
      `http://127.0.0.1:${fake.port + 1 === trap.port ? fake.port + 2 : fake.port + 1}/hubspot`,
      `http://[::ffff:127.0.0.1]:${trap.port}/hubspot`,
      `http://[::127.0.0.1]:${trap.port}/hubspot`,
      `http://[64:ff9b::7f00:1]:${trap.port}/hubspot`,
      `http://user:pw@127.0.0.1:${trap.port}/hubspot`,
      `http://127.0.0.1:${trap.port}/hubspot?x=1`,
      'http://169.254.169.254/latest/meta-data',
    ];
    for (const [urls, field] of [[credentialsNeeded, 'credentials'], [addressRefused, 'baseUrl']] as const) {
      for (const baseUrl of urls) {
        const response = await world.as(tokens.admin).send(UPDATE, { id, input: { baseUrl, name: 'renamed on the way' } });
        expect({ baseUrl, error: response.errors?.[0].extensions }).toEqual({ baseUrl, error: { code: 'BAD_USER_INPUT', field } });
      }
    }
    // The provider is fixed at creation: the input has no such field.
    expect(codes(await world.as(tokens.admin).send(UPDATE, { id, input: { provider: 'SALESFORCE' } }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await world.as(tokens.admin).send(`mutation($id: ID!) { updateCrmConnection(id: $id, input: { provider: ZENDESK }) { id } }`, { id }))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(await repo().findOneByOrFail({ id })).toMatchObject({ baseUrl: fake.urls.hubspot, name: 'Moving HubSpot', provider: 'HUBSPOT' });
    expect((await push(id)).errors).toBeUndefined();
    attackerGotNothing();
  });

  it('keep their credentials for another spelling or path of the same origin', async () => {
    const id = await hubspotConnection('Respelled HubSpot');
    const { port } = fake;
    for (const baseUrl of [`HTTP://127.0.0.1:${port}/hubspot/`, `http://127.0.0.1.:${port}/hubspot`, `http://0x7f.1:${port}/hubspot`, `http://2130706433:${port}/hubspot`, `http://127.0.0.1:${port}/./x/../hubspot`]) {
      const response = await world.as(tokens.admin).send(UPDATE, { id, input: { baseUrl } });
      expect({ baseUrl, response: response.data?.updateCrmConnection }).toEqual({ baseUrl, response: { id, baseUrl: fake.urls.hubspot, status: 'ACTIVE' } });
    }
    const moved = await world.as(tokens.admin).send(UPDATE, { id, input: { baseUrl: `http://127.0.0.1:${port}/elsewhere` } });
    expect(moved.data.updateCrmConnection.baseUrl).toBe(`http://127.0.0.1:${port}/elsewhere`);
    await world.as(tokens.admin).send(UPDATE, { id, input: { baseUrl: fake.urls.hubspot } });
    const before = fake.requests('hubspot');
    expect((await push(id)).errors).toBeUndefined();
    expect(fake.requests('hubspot')).toBeGreaterThan(before);
    attackerGotNothing();
  });

  it('move to another origin with new credentials, which alone go there', async () => {
    const id = await hubspotConnection('Migrated HubSpot');
    const fresh = secret('pat-na1-new');
    const response = await world.as(tokens.admin).send(UPDATE, { id, input: { baseUrl: `${elsewhere.url}/hubspot`, credentials: { accessToken: fresh } } });
    expect(response.data.updateCrmConnection).toMatchObject({ baseUrl: `${elsewhere.url}/hubspot` });
    await push(id);
    expect(elsewhere.received()).toContain(`authorization: Bearer ${fresh}`);
    for (const old of SECRETS) expect(elsewhere.received()).not.toContain(old);
    SECRETS.push(fresh);
    attackerGotNothing();
  });

  it('edited in the database to point elsewhere open no credentials, send nothing and say so', async () => {
    const id = await hubspotConnection('Tampered HubSpot');
    expect((await push(id)).errors).toBeUndefined();
    const edits: Partial<CrmConnection>[] = [
      { baseUrl: `${trap.url}/hubspot` },
      { baseUrl: `http://0x7f.1:${trap.port}/hubspot` },
      { baseUrl: `https://127.0.0.1:${fake.port}/hubspot` },
      { baseUrl: `${outside.url}/hubspot` },
      { baseUrl: `http://[::ffff:127.0.0.1]:${trap.port}/hubspot` },
      { baseUrl: `http://[::127.0.0.1]:${outside.port}/hubspot` },
      { baseUrl: `http://user:pw@127.0.0.1:${trap.port}/hubspot` },
      { baseUrl: 'not a url' },
      { provider: 'SALESFORCE' as never, baseUrl: fake.urls.salesforce },
      { provider: 'ZENDESK' as never, baseUrl: fake.urls.hubspot },
      { tenantId: world.globex.id },
    ];
    const fakeCalls = () => fake.requests('hubspot') + fake.requests('salesforce') + fake.requests('zendesk');
    for (const edit of edits) {
      await repo().update({ id }, { provider: 'HUBSPOT' as never, baseUrl: fake.urls.hubspot, tenantId: world.acme.id, status: 'ACTIVE' as never, ...edit });
      const before = fakeCalls();
      const token = edit.tenantId ? await world.env.token({ tenant: 'globex', roles: ['integrator'], sub: 'globex-integrator' }) : tokens.integrator;
      const endUserId = edit.tenantId ? world.globex.endUserIds[1] : bob.id;
      const response = await world.as(token).send(PUSH, { input: { endUserId, connectionId: id } });
      expect({ edit, codes: codes(response) }).toEqual({ edit, codes: ['UNAVAILABLE'] });
      expect({ edit, reached: fakeCalls() - before }).toEqual({ edit, reached: 0 });
    }
    await repo().update({ id }, { baseUrl: `${trap.url}/hubspot`, tenantId: world.acme.id, provider: 'HUBSPOT' as never });
    expect((await statusOf(id)).lastError).toMatch(/not given for this provider and address; enter them again/);
    attackerGotNothing();
    // The admin repairs it: the row's own origin, with its credentials given again.
    const repaired = await world.as(tokens.admin).send(UPDATE, { id, input: { baseUrl: fake.urls.hubspot, credentials: { accessToken: CREDENTIALS.hubspot.accessToken } } });
    expect(repaired.data.updateCrmConnection).toMatchObject({ baseUrl: fake.urls.hubspot, status: 'ACTIVE' });
    expect((await push(id)).errors).toBeUndefined();
  });
});

describe('credentials', () => {
  it('refused by the CRM: the connection shows the error, without the credentials', async () => {
    const update = 'mutation($id: ID!, $input: UpdateCrmConnectionInput!) { updateCrmConnection(id: $id, input: $input) { status hasCredentials } }';
    const updated = await world.as(tokens.admin).send(update, { id: connections.hubspot, input: { credentials: { accessToken: WRONG_TOKEN } } });
    expect(updated.data.updateCrmConnection).toEqual({ status: 'ACTIVE', hasCredentials: true });
    const response = await recordsOf(bob.id);
    expect(new Set(codes(response))).toEqual(new Set(['UNAVAILABLE']));
    expect(await statusOf(connections.hubspot)).toMatchObject({ status: 'ERROR', lastError: "HubSpot refused the connection's credentials (HTTP 401)" });
  });

  it('appear in no response, log line or database row', async () => {
    const rows = JSON.stringify(await world.stack.subgraphs.crm.dataSource.query('SELECT * FROM crm_connections'));
    const haystacks = { responses: [...world.answers.map((answer) => JSON.stringify(answer)), ...responses].join('\n'), logs: logs.lines.join('\n'), rows };
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const [where, text] of Object.entries(haystacks)) {
      for (const value of [...SECRETS, WRONG_TOKEN, Buffer.from(`${CREDENTIALS.zendesk.email}/token:${CREDENTIALS.zendesk.apiToken}`).toString('base64')]) {
        expect({ where, found: text.includes(value) }).toEqual({ where, found: false });
      }
    }
  });
});
