import { ConsentRecord } from '../../subgraphs/consent/entities/consent-record.entity';
import { ContactOptOut, ProcessingRestriction } from '../../subgraphs/consent/entities/contact-opt-out.entity';
import { CookieConsent, VisitorLink } from '../../subgraphs/consent/entities/cookie-consent.entity';
import { PolicyVersion } from '../../subgraphs/consent/entities/policy-version.entity';
import { TenantScope } from '../../subgraphs/kit/tenant-repository';
import { publicValidation } from '../helpers/api-schema';
import { callSubgraph, memberClaims, testEnvironment, type TestEnvironment } from '../helpers/environment';
import { codes, type Variables } from '../helpers/graphql';
import { asSubgraph } from '../helpers/service-calls';
import { subgraphHarness, type Caller, type SubgraphHarness, type Tenant } from '../helpers/subgraph-harness';

/**
 * The consent subgraph's rules, in process: consent over its own database, identity beside it
 * (consent asks it whether a person may be written about), both serving their links over HTTP so
 * the other subgraphs' calls go through the real service client and the real door.
 */
let env: TestEnvironment;
let identity: SubgraphHarness;
let consent: SubgraphHarness;
const world = {} as {
  env: TestEnvironment;
  stack: { subgraphUrls: Record<'identity' | 'interactions' | 'consent' | 'crm', string> };
  acme: Tenant & { endUserIds: string[] };
  globex: Tenant & { endUserIds: string[] };
};
const callers: Record<string, Caller> = {};
const tokens: Record<string, string> = {};
const identityAs = (tenant: Tenant) => identity.as({ tenant, roles: ['admin'] });
const consentDb = () => consent.dataSource;
const DAY = 86_400_000;

const RECORD = `mutation($input: RecordConsentInput!) { recordConsent(input: $input) { id purpose granted policyVersionId userAgent page } }`;
const record = (endUserId: string, purpose: string, granted: boolean, token = tokens.agent) =>
  consent.as(callers[token]).send(RECORD, { input: { endUserId, purpose, granted, source: 'AGENT' } });
const STATE = `query($r: [_Any!]!) { _entities(representations: $r) { ... on EndUser { consentState { purpose granted needsRenewal policyVersionId }
  contactPreferences { channel allowed reason } thirdPartySharing { allowed reason } } } }`;
const PUBLISH = 'mutation($input: PublishPolicyInput!) { publishPolicyVersion(input: $input) { id version material effectiveAt } }';
const CONTACT = 'query($e: ID!, $c: Channel!) { contactDecision(endUserId: $e, channel: $c) { allowed reason } }';
const SHARING = 'query($e: ID!, $r: RecipientRole!) { sharingDecision(endUserId: $e, recipient: $r) { allowed reason } }';
const RESTRICT = 'mutation($e: ID!, $r: Boolean!) { setProcessingRestriction(endUserId: $e, restricted: $r) }';
const EXPORT = 'query($e: ID!) { privacyExportConsent(endUserId: $e) }';
const ERASE = 'mutation($e: ID!) { privacyEraseConsent(endUserId: $e) }';

/** An end-user's derived state, read as an agent through the subgraph's entity resolver. */
async function stateOf(endUserId: string, tenant: Tenant = world.acme) {
  const response = await consent.as({ tenant, roles: ['agent'] }).send<any, Variables>(STATE, { r: [{ __typename: 'EndUser', id: endUserId }] });
  expect(response.errors).toBeUndefined();
  return response.data._entities[0];
}
const purpose = (state: any, name: string) => state.consentState.find((p: any) => p.purpose === name);

beforeAll(async () => {
  env = await testEnvironment();
  identity = await subgraphHarness('identity', { world: env });
  const identityUrl = await identity.listen();
  consent = await subgraphHarness('consent', { world: env, serviceUrls: { identity: identityUrl } });
  const unused = 'http://127.0.0.1:9/graphql';
  Object.assign(world, { env, stack: { subgraphUrls: { identity: identityUrl, consent: await consent.listen(), interactions: unused, crm: unused } } });
  const platform = identity.as({ kind: 'platform' });
  for (const slug of ['acme', 'globex'] as const) {
    const created = await platform.data<any, Variables>('mutation($slug: String!) { createTenant(input: { slug: $slug, name: $slug, deployment: PUBLIC_CLOUD, region: "eu-west-1" }) { id slug } }', { slug });
    const tenant: Tenant = created.createTenant;
    const endUserIds: string[] = [];
    for (let i = 0; i < (slug === 'acme' ? 6 : 1); i++) {
      endUserIds.push((await identityAs(tenant).data<any, Variables>('mutation($n: String!) { createEndUser(input: { firstName: $n }) { id } }', { n: `${slug}-${i}` })).createEndUser.id);
    }
    world[slug] = { ...tenant, endUserIds };
    // The notice in force, as the demo seed leaves it.
    const policies = TenantScope.of(consent.dataSource, tenant.id).repo(PolicyVersion);
    await policies.save(
      policies.create({ version: '2026-01', publishedAt: new Date('2025-12-01T00:00:00Z'), effectiveAt: new Date('2026-01-01T00:00:00Z'), summary: 'Privacy notice', material: true }),
    );
  }
  for (const role of ['admin', 'agent', 'analyst', 'privacy_officer']) {
    tokens[role] = `acme-${role}`;
    callers[tokens[role]] = { tenant: world.acme, roles: [role] };
  }
  tokens.globex = 'globex-admin';
  callers[tokens.globex] = { tenant: world.globex, roles: ['admin'] };
  tokens.platform = 'platform';
  callers[tokens.platform] = { kind: 'platform' };
});
afterAll(async () => {
  await consent?.close();
  await identity?.close();
  await env?.cleanup();
});

describe('policy versions', () => {
  it('refuses a material change with 10 days’ notice, naming effectiveAt', async () => {
    const response = await consent.as(callers[tokens.admin]).send(PUBLISH, {
      input: { version: '2027-early', effectiveAt: new Date(Date.now() + 10 * DAY).toISOString(), summary: 'New purpose', material: true },
    });
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0].extensions!.field).toBe('effectiveAt');
    expect(await consentDb().getRepository(PolicyVersion).countBy({ version: '2027-early' })).toBe(0);
  });

  it('publishes a material change with 31 days’ notice and shows it as the upcoming change, to its tenant only', async () => {
    const effectiveAt = new Date(Date.now() + 31 * DAY).toISOString();
    const published = await consent.as(callers[tokens.admin]).send(PUBLISH, { input: { version: '2027-01', effectiveAt, summary: 'Sharing with partners', material: true } });
    expect(published.errors).toBeUndefined();
    expect(Date.parse(published.data.publishPolicyVersion.effectiveAt) - Date.parse(effectiveAt)).toBeLessThan(1000);
    const upcoming = await consent.as(callers[tokens.agent]).send('{ upcomingPolicyChange { version material effectiveAt } }');
    expect(upcoming.data.upcomingPolicyChange).toEqual({ version: '2027-01', material: true, effectiveAt: published.data.publishPolicyVersion.effectiveAt });
    const elsewhere = await consent.as(callers[tokens.globex]).send('{ upcomingPolicyChange { version } }');
    expect(elsewhere.data.upcomingPolicyChange).toBeNull();
  });

  it('lets a non-material change take effect at once (globex)', async () => {
    const response = await consent.as(callers[tokens.globex]).send(PUBLISH, { input: { version: '2026-12', effectiveAt: new Date(Date.now() + 1000).toISOString(), summary: 'Typo fixes', material: false } });
    expect(response.errors).toBeUndefined();
  });

  it('is published only by holders of policy:manage, never by agents or platform operators', async () => {
    const input = { version: 'x-1', effectiveAt: new Date(Date.now() + 40 * DAY).toISOString(), summary: 'x', material: false };
    for (const token of [tokens.agent, tokens.analyst, tokens.platform]) {
      expect(codes(await consent.as(callers[token]).send(PUBLISH, { input }))).toEqual(['FORBIDDEN']);
    }
    expect(await consentDb().getRepository(PolicyVersion).countBy({ version: 'x-1' })).toBe(0);
  });

  it('flags consent given under an old version once a material change takes effect, and not before', async () => {
    const endUserId = world.acme.endUserIds[0];
    const grant = await record(endUserId, 'THIRD_PARTY_SHARING', true);
    expect(grant.errors).toBeUndefined();
    expect(purpose(await stateOf(endUserId), 'THIRD_PARTY_SHARING')).toMatchObject({ granted: true, needsRenewal: false });
    const crm = asSubgraph(world, 'crm');
    expect((await crm.request('consent', world.acme, SHARING, { e: endUserId, r: 'THIRD_PARTY' })).sharingDecision).toEqual({ allowed: true, reason: null });

    // 31 days later: the 2027-01 version (published above) is in effect.
    const versions = consentDb().getRepository(PolicyVersion);
    const next = await versions.findOneByOrFail({ tenantId: world.acme.id, version: '2027-01' });
    await versions.update({ id: next.id, tenantId: world.acme.id }, { publishedAt: new Date(Date.now() - 32 * DAY), effectiveAt: new Date(Date.now() - DAY) });

    expect(purpose(await stateOf(endUserId), 'THIRD_PARTY_SHARING')).toMatchObject({ granted: true, needsRenewal: true });
    expect((await crm.request('consent', world.acme, SHARING, { e: endUserId, r: 'THIRD_PARTY' })).sharingDecision).toEqual({ allowed: false, reason: 'RENEWAL_NEEDED' });

    const renewed = await record(endUserId, 'THIRD_PARTY_SHARING', true);
    expect(renewed.data.recordConsent.policyVersionId).toBe(next.id);
    expect(purpose(await stateOf(endUserId), 'THIRD_PARTY_SHARING')).toMatchObject({ granted: true, needsRenewal: false, policyVersionId: next.id });
    expect((await crm.request('consent', world.acme, SHARING, { e: endUserId, r: 'THIRD_PARTY' })).sharingDecision).toEqual({ allowed: true, reason: null });
  });
});

describe('consent records', () => {
  it('are append-only and the latest wins: a withdrawal after a grant is withdrawn, and a later grant restores it', async () => {
    const endUserId = world.acme.endUserIds[1];
    const interactions = asSubgraph(world, 'interactions');
    await record(endUserId, 'CONTACT_EMAIL', true);
    await record(endUserId, 'CONTACT_EMAIL', false);
    let state = await stateOf(endUserId);
    expect(purpose(state, 'CONTACT_EMAIL')).toMatchObject({ granted: false, needsRenewal: false });
    expect(state.contactPreferences.find((p: any) => p.channel === 'EMAIL')).toEqual({ channel: 'EMAIL', allowed: false, reason: 'OPTED_OUT' });
    expect((await interactions.request('consent', world.acme, CONTACT, { e: endUserId, c: 'EMAIL' })).contactDecision).toEqual({ allowed: false, reason: 'OPTED_OUT' });
    expect((await interactions.request('consent', world.acme, CONTACT, { e: endUserId, c: 'VOICE' })).contactDecision).toEqual({ allowed: true, reason: null });

    await record(endUserId, 'CONTACT_EMAIL', true);
    state = await stateOf(endUserId);
    expect(purpose(state, 'CONTACT_EMAIL').granted).toBe(true);
    expect((await interactions.request('consent', world.acme, CONTACT, { e: endUserId, c: 'EMAIL' })).contactDecision).toEqual({ allowed: true, reason: null });
    const history = await consent.as(callers[tokens.agent]).send(`query($r: [_Any!]!) { _entities(representations: $r) { ... on EndUser { consents(first: 100) { edges { node { purpose granted } } } } } }`, { r: [{ __typename: 'EndUser', id: endUserId }] });
    expect(history.data._entities[0].consents.edges.filter((e: any) => e.node.purpose === 'CONTACT_EMAIL').map((e: any) => e.node.granted).slice(-3)).toEqual([true, false, true]);
  });

  it('keep proof: a keyed hash of the address (never the address), user agent and page', async () => {
    const endUserId = world.acme.endUserIds[1];
    const response = await consent.as(callers[tokens.agent]).send(RECORD, {
      input: { endUserId, purpose: 'ANALYTICS', granted: true, source: 'API', proof: { clientAddress: '198.51.100.23', userAgent: 'Mozilla/5.0 Test', page: 'https://acme.example/prefs' } },
    });
    expect(response.data.recordConsent).toMatchObject({ userAgent: 'Mozilla/5.0 Test', page: 'https://acme.example/prefs' });
    const row = await consentDb().getRepository(ConsentRecord).findOneByOrFail({ id: response.data.recordConsent.id });
    expect(row.addressHash).toMatch(/^[\w-]{43}$/);
    expect(JSON.stringify(await consentDb().query('SELECT * FROM consent_records'))).not.toContain('198.51.100.23');
  });

  it('refuses a malformed proof, naming the field', async () => {
    const response = await consent.as(callers[tokens.agent]).send(RECORD, { input: { endUserId: world.acme.endUserIds[1], purpose: 'ANALYTICS', granted: true, source: 'API', proof: { clientAddress: 'nope' } } });
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0].extensions!.field).toBe('proof.clientAddress');
  });

  it('are not written by readers, nor read by roles without consent:read, nor across tenants', async () => {
    expect(codes(await record(world.acme.endUserIds[1], 'ANALYTICS', true, tokens.analyst))).toEqual(['FORBIDDEN']);
    const read = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on EndUser { consentState { purpose } } } }';
    expect(codes(await consent.as(callers[tokens.analyst]).send(read, { r: [{ __typename: 'EndUser', id: world.acme.endUserIds[1] }] }))).toContain('FORBIDDEN');
    // Identity, which resolves endUser(id) for the gateway, has no such person for another tenant.
    const other = await identityAs(world.globex).send('query($id: ID!) { endUser(id: $id) { id } }', { id: world.acme.endUserIds[1] });
    expect(other.data).toEqual({ endUser: null });
    expect((await stateOf(world.acme.endUserIds[1], world.globex)).consentState).toEqual([]);
  });
});

describe('contact opt-outs', () => {
  it('block contact on the opted-out channel only, until the end-user opts back in', async () => {
    const endUserId = world.acme.endUserIds[2];
    const interactions = asSubgraph(world, 'interactions');
    const decide = async (channel: string) => (await interactions.request('consent', world.acme, CONTACT, { e: endUserId, c: channel })).contactDecision;
    const optOut = await consent.as(callers[tokens.agent]).send('mutation($e: ID!) { optOutOfContact(endUserId: $e, channel: SMS, source: AGENT, reason: "asked on the phone") { channel reason } }', { e: endUserId });
    expect(optOut.data.optOutOfContact).toEqual({ channel: 'SMS', reason: 'asked on the phone' });
    expect(await decide('SMS')).toEqual({ allowed: false, reason: 'OPTED_OUT' });
    expect(await decide('VOICE')).toEqual({ allowed: true, reason: null });
    const list = await consent.as(callers[tokens.agent]).send('query($e: ID) { contactOptOuts(endUserId: $e) { edges { node { endUserId channel } } } }', { e: endUserId });
    expect(list.data.contactOptOuts.edges).toEqual([{ node: { endUserId, channel: 'SMS' } }]);

    // Another tenant sees none of it and cannot lift it.
    const foreign = await consent.as(callers[tokens.globex]).send('{ contactOptOuts { edges { node { endUserId } } } }');
    expect(foreign.data.contactOptOuts.edges.map((e: any) => e.node.endUserId)).not.toContain(endUserId);
    const lift = 'mutation($e: ID!) { optBackIntoContact(endUserId: $e, channel: SMS) }';
    const foreignLift = await consent.as(callers[tokens.globex]).send(lift, { e: endUserId });
    expect(codes(foreignLift)).toEqual(['NOT_FOUND']);
    expect(await decide('SMS')).toEqual({ allowed: false, reason: 'OPTED_OUT' });
    // For globex's interactions, acme's suppression list does not exist.
    expect((await interactions.request('consent', world.globex, CONTACT, { e: endUserId, c: 'SMS' })).contactDecision.allowed).toBe(true);

    expect((await consent.as(callers[tokens.agent]).send(lift, { e: endUserId })).data.optBackIntoContact).toBe(true);
    expect(await decide('SMS')).toEqual({ allowed: true, reason: null });
  });
});

describe('the sharing gate', () => {
  it('refuses a third party without an opt-in and allows it after; service providers need none', async () => {
    const endUserId = world.acme.endUserIds[3];
    const crm = asSubgraph(world, 'crm');
    const decide = async (recipient: string) => (await crm.request('consent', world.acme, SHARING, { e: endUserId, r: recipient })).sharingDecision;
    expect(await decide('THIRD_PARTY')).toEqual({ allowed: false, reason: 'NO_OPT_IN' });
    expect(await decide('SERVICE_PROVIDER')).toEqual({ allowed: true, reason: null });
    await record(endUserId, 'THIRD_PARTY_SHARING', true);
    expect(await decide('THIRD_PARTY')).toEqual({ allowed: true, reason: null });
    expect((await stateOf(endUserId)).thirdPartySharing).toEqual({ allowed: true, reason: null });
    await record(endUserId, 'THIRD_PARTY_SHARING', false);
    expect(await decide('THIRD_PARTY')).toEqual({ allowed: false, reason: 'NO_OPT_IN' });
  });
});

describe('processing restriction', () => {
  it('stops contact and sharing, and refuses new consent records, until lifted', async () => {
    const endUserId = world.acme.endUserIds[4];
    const identity = asSubgraph(world, 'identity');
    await record(endUserId, 'THIRD_PARTY_SHARING', true);
    expect(await identity.request('consent', world.acme, RESTRICT, { e: endUserId, r: true })).toEqual({ setProcessingRestriction: true });

    const interactions = asSubgraph(world, 'interactions');
    const crm = asSubgraph(world, 'crm');
    expect((await interactions.request('consent', world.acme, CONTACT, { e: endUserId, c: 'VOICE' })).contactDecision).toEqual({ allowed: false, reason: 'RESTRICTED' });
    for (const r of ['SERVICE_PROVIDER', 'THIRD_PARTY']) {
      expect((await crm.request('consent', world.acme, SHARING, { e: endUserId, r })).sharingDecision).toEqual({ allowed: false, reason: 'RESTRICTED' });
    }
    // To an agent the restricted person is not there; an admin (who may see them) is told why.
    const refused = await record(endUserId, 'ANALYTICS', true);
    expect(codes(refused)).toEqual(['NOT_FOUND']);
    expect(refused.errors![0].message).not.toMatch(/restricted/);
    const toAdmin = await consent.as(callers[tokens.admin]).send(
      'mutation($input: RecordConsentInput!) { recordConsent(input: $input) { id } }',
      { input: { endUserId, purpose: 'ANALYTICS', granted: true, source: 'AGENT' } },
    );
    expect(codes(toAdmin)).toEqual(['FORBIDDEN']);
    expect(toAdmin.errors![0].message).toMatch(/restricted/);
    // An opt-out only narrows processing: still accepted.
    expect((await consent.as(callers[tokens.agent]).send('mutation($e: ID!) { optOutOfContact(endUserId: $e, channel: VOICE, source: AGENT) { channel } }', { e: endUserId })).errors).toBeUndefined();

    // The flag is per tenant.
    expect((await crm.request('consent', world.globex, SHARING, { e: endUserId, r: 'SERVICE_PROVIDER' })).sharingDecision.allowed).toBe(true);

    await identity.request('consent', world.acme, RESTRICT, { e: endUserId, r: false });
    expect((await crm.request('consent', world.acme, SHARING, { e: endUserId, r: 'THIRD_PARTY' })).sharingDecision).toEqual({ allowed: true, reason: null });
    expect((await record(endUserId, 'ANALYTICS', true)).errors).toBeUndefined();
  });
});

describe('service fields', () => {
  const FIELDS: [string, string, Record<string, unknown>, string][] = [
    [CONTACT, 'interactions', { c: 'SMS' }, 'contactDecision'],
    [SHARING, 'crm', { r: 'THIRD_PARTY' }, 'sharingDecision'],
    [RESTRICT, 'identity', { r: true }, 'setProcessingRestriction'],
    [EXPORT, 'identity', {}, 'privacyExportConsent'],
    [ERASE, 'identity', {}, 'privacyEraseConsent'],
  ];
  const CALLERS = ['interactions', 'crm', 'identity'] as const;

  it.each(FIELDS)('%#: refuses every caller subgraph but its own', async (query, owner, variables, field) => {
    for (const caller of CALLERS.filter((c) => c !== owner)) {
      const response = await asSubgraph(world, caller).raw('consent', world.acme, query, { e: world.acme.endUserIds[5 % world.acme.endUserIds.length], ...variables });
      expect(codes(response)).toEqual(['FORBIDDEN']);
      expect(response.data?.[field] ?? null).toBeNull();
      await expect(asSubgraph(world, caller).request('consent', world.acme, query, { e: world.acme.endUserIds[0], ...variables })).rejects.toMatchObject({ extensions: { code: 'UNAVAILABLE' } });
    }
    expect(await consentDb().getRepository(ProcessingRestriction).count()).toBe(0);
  });

  it.each(FIELDS)('%#: is not in the public API, and refuses a gateway-signed user context sent straight to the subgraph', async (query, _owner, variables, field) => {
    // The gateway validates against the supergraph's public schema, where the field is @inaccessible.
    expect(publicValidation(query)).toEqual([expect.stringContaining(`"${field}"`)]);
    const signer = await world.env.signer();
    const direct = await callSubgraph(signer, 'consent', world.stack.subgraphUrls.consent, memberClaims(world.acme, ['admin', 'privacy_officer']), query, { e: world.acme.endUserIds[0], ...variables });
    expect(codes(direct)).toEqual(['FORBIDDEN']);
    expect(direct.data?.[field] ?? null).toBeNull();
  });

  it('refuses a gateway-signed context that claims to be a subgraph', async () => {
    const signer = await world.env.signer();
    const forged = memberClaims(world.acme, [], { principal: { id: 'interactions', kind: 'subgraph', roles: [], scopes: [] } });
    const response = await callSubgraph(signer, 'consent', world.stack.subgraphUrls.consent, forged, CONTACT, { e: world.acme.endUserIds[0], c: 'SMS' });
    expect(response.status).toBe(401);
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('privacy hooks', () => {
  it('export everything held about the person, and erase it all (linked visitors included), idempotently', async () => {
    const endUserId = world.acme.endUserIds[1];
    const identity = asSubgraph(world, 'identity');
    const signer = await world.env.signer();
    const widget = memberClaims(world.acme, [], { principal: { id: 'widget-test', kind: 'widget', roles: [], scopes: [] }, accessPolicy: null });
    const cookie = await callSubgraph(signer, 'consent', world.stack.subgraphUrls.consent, widget,
      'mutation { recordCookieConsent(input: { visitorId: "visitor-export-1", choices: { functional: true, analytics: false, advertising: false }, userAgent: "UA/1" }) }');
    expect(cookie.data).toEqual({ recordCookieConsent: true });
    expect((await consent.as(callers[tokens.agent]).send('mutation($e: ID!) { linkVisitor(visitorId: "visitor-export-1", endUserId: $e) }', { e: endUserId })).data.linkVisitor).toBe(true);
    await consent.as(callers[tokens.agent]).send('mutation($e: ID!) { optOutOfContact(endUserId: $e, channel: SOCIAL, source: API) { channel } }', { e: endUserId });
    await identity.request('consent', world.acme, RESTRICT, { e: endUserId, r: true });

    const exported = JSON.parse((await identity.request('consent', world.acme, EXPORT, { e: endUserId })).privacyExportConsent);
    expect(exported.endUserId).toBe(endUserId);
    expect(exported.consents.length).toBeGreaterThanOrEqual(4);
    expect(exported.consents.find((c: any) => c.purpose === 'ANALYTICS' && c.proof.userAgent === 'Mozilla/5.0 Test').proof.addressHash).toMatch(/^[\w-]{43}$/);
    expect(exported.contactOptOuts).toEqual([expect.objectContaining({ channel: 'SOCIAL' })]);
    expect(exported.cookieConsents).toEqual([expect.objectContaining({ visitorId: 'visitor-export-1', functional: true, strictlyNecessary: true })]);
    expect(exported.processingRestricted).not.toBeNull();
    // Another tenant's identity gets nothing about acme's person.
    const foreign = JSON.parse((await identity.request('consent', world.globex, EXPORT, { e: endUserId })).privacyExportConsent);
    expect(foreign).toMatchObject({ consents: [], contactOptOuts: [], cookieConsents: [], processingRestricted: null });
    expect((await identity.request('consent', world.globex, ERASE, { e: endUserId })).privacyEraseConsent).toBe(0);

    const others = await consentDb().getRepository(ConsentRecord).countBy({ tenantId: world.acme.id });
    const erased = (await identity.request('consent', world.acme, ERASE, { e: endUserId })).privacyEraseConsent;
    expect(erased).toBe(exported.consents.length + 1 + 1 + 1 + 1);
    const db = consentDb();
    expect(await db.getRepository(ConsentRecord).countBy({ endUserId })).toBe(0);
    expect(await db.getRepository(ContactOptOut).countBy({ endUserId })).toBe(0);
    expect(await db.getRepository(VisitorLink).countBy({ endUserId })).toBe(0);
    expect(await db.getRepository(CookieConsent).countBy({ visitorId: 'visitor-export-1' })).toBe(0);
    expect(await db.getRepository(ProcessingRestriction).countBy({ endUserId })).toBe(0);
    expect(await db.getRepository(ConsentRecord).countBy({ tenantId: world.acme.id })).toBe(others - exported.consents.length);
    expect((await identity.request('consent', world.acme, ERASE, { e: endUserId })).privacyEraseConsent).toBe(0);
  });
});

describe('sub-processors', () => {
  const ADD = 'mutation($input: AddSubProcessorInput!) { addSubProcessor(input: $input) { id name role } }';
  const input = { name: 'Speechly Transcription', purpose: 'Call transcription', location: 'EU (Ireland)', dataCategories: ['voice recordings', 'transcripts'], role: 'SERVICE_PROVIDER' };

  it('are added by platform operators only, with a notice every tenant sees', async () => {
    expect(codes(await consent.as(callers[tokens.admin]).send(ADD, { input }))).toEqual(['FORBIDDEN']);
    const added = await consent.as(callers[tokens.platform]).send(ADD, { input });
    expect(added.data.addSubProcessor).toMatchObject({ name: input.name, role: 'SERVICE_PROVIDER' });
    for (const token of [tokens.agent, tokens.globex]) {
      const seen = await consent.as(callers[token]).send('{ subProcessors { edges { node { name location dataCategories role } } } subProcessorNotices { edges { node { subProcessorId summary } } } }');
      expect(seen.data.subProcessors.edges).toEqual([{ node: { name: input.name, location: input.location, dataCategories: input.dataCategories, role: 'SERVICE_PROVIDER' } }]);
      expect(seen.data.subProcessorNotices.edges).toEqual([{ node: { subProcessorId: added.data.addSubProcessor.id, summary: expect.stringContaining(input.name) } }]);
    }
    expect(codes(await consent.as(callers[tokens.platform]).send(ADD, { input }))).toEqual(['CONFLICT']);
  });

  it('validates input, naming the field', async () => {
    const response = await consent.as(callers[tokens.platform]).send(ADD, { input: { ...input, name: 'Other', dataCategories: [] } });
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0].extensions!.field).toBe('dataCategories');
  });

  it('leave platform operators reading no tenant data', async () => {
    for (const query of ['{ policyVersions { edges { node { id } } } }', '{ contactOptOuts { edges { node { id } } } }', '{ upcomingPolicyChange { id } }']) {
      expect(codes(await consent.as(callers[tokens.platform]).send(query))).toEqual(['FORBIDDEN']);
    }
  });
});
