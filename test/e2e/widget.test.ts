import { CookieConsent } from '../../subgraphs/consent/entities/cookie-consent.entity';
import { callSubgraph, codes, memberClaims } from '../helpers/environment';
import { httpClient } from '../helpers/graphql';
import { seededStack, type SeededStack } from '../helpers/stack';

let world: SeededStack;
const tokens: Record<string, string> = {};
const keys: Record<string, string> = {};
const ACME = 'https://www.acme.example';
const GLOBEX = 'https://globex.example';

const widgetUrl = () => world.stack.gatewayUrl.replace(/\/graphql$/, '/widget/graphql');
/** A browser on `origin` calling with a widget key, from `address` (through the trusted proxy). */
const widget = (query: string, { key = keys.acme, origin = ACME, address = '198.51.100.1', header = 'x-widget-key' } = {}, variables?: Record<string, unknown>) =>
  httpClient(widgetUrl(), undefined, {
    ...(header === 'authorization' ? { authorization: `Widget ${key}` } : { 'x-widget-key': key }),
    ...(origin ? { origin } : {}),
    'x-forwarded-for': address,
  }).send(query, variables);
const COOKIE = 'mutation($v: String!) { recordCookieConsent(input: { visitorId: $v, choices: { functional: true, analytics: true, advertising: false }, page: "https://www.acme.example/help" }) }';
const cookies = (tenantId: string, visitorId: string) =>
  world.stack.subgraphs.consent.dataSource.getRepository(CookieConsent).countBy({ tenantId, visitorId });

beforeAll(async () => {
  world = await seededStack({ env: { TRUST_PROXY: 'loopback', WIDGET_RATE_LIMIT_PER_ADDRESS: '5' } });
  tokens.acmeAdmin = await world.env.token({ tenant: 'acme', roles: ['admin'], sub: 'acme-admin' });
  tokens.acmeAgent = await world.env.token({ tenant: 'acme', roles: ['agent'], sub: 'acme-agent' });
  tokens.globexAdmin = await world.env.token({ tenant: 'globex', roles: ['admin'], sub: 'globex-admin' });
  tokens.globexAgent = await world.env.token({ tenant: 'globex', roles: ['agent'], sub: 'globex-agent' });
  for (const [tenant, origin] of [['acme', ACME], ['globex', GLOBEX]]) {
    const token = tokens[`${tenant}Admin`];
    keys[tenant] = (await world.as(token).send('mutation { rotateWidgetKey { key } }')).data.rotateWidgetKey.key;
    expect((await world.as(token).send('mutation($o: [String!]!) { updateWidgetOrigins(origins: $o) { origins } }', { o: [origin, 'http://localhost:5173'] })).errors).toBeUndefined();
  }
});
afterAll(() => world?.close());

describe('widget settings', () => {
  it('are managed by tenant admins only, with origins validated', async () => {
    expect(codes(await world.as(tokens.acmeAgent).send('mutation { rotateWidgetKey { key } }'))).toEqual(['FORBIDDEN']);
    expect(codes(await world.as(tokens.acmeAgent).send('{ tenant { widget { key } } }'))).toEqual(['FORBIDDEN']);
    const bad = await world.as(tokens.acmeAdmin).send('mutation { updateWidgetOrigins(origins: ["https://ok.example", "https://x.example/path"]) { origins } }');
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.errors![0].extensions!.field).toBe('origins[1]');
    expect((await world.as(tokens.acmeAdmin).send('{ tenant { widget { key origins } } }')).data.tenant.widget).toEqual({ key: keys.acme, origins: [ACME, 'http://localhost:5173'] });
  });
});

describe('the widget key', () => {
  it('records cookie consent from an allowed origin, answering only an acknowledgement', async () => {
    const response = await widget(COOKIE, {}, { v: 'visitor-acme-1' });
    expect(response).toMatchObject({ status: 200, data: { recordCookieConsent: true } });
    expect(response.errors).toBeUndefined();
    const viaAuthorization = await widget(COOKIE, { header: 'authorization', address: '198.51.100.2' }, { v: 'visitor-acme-1' });
    expect(viaAuthorization.data).toEqual({ recordCookieConsent: true });
    const rows = await world.stack.subgraphs.consent.dataSource.getRepository(CookieConsent).findBy({ visitorId: 'visitor-acme-1' });
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ tenantId: world.acme.id, functional: true, analytics: true, advertising: false, page: 'https://www.acme.example/help' });
    expect(rows[0].addressHash).toMatch(/^[\w-]{43}$/);
    expect(JSON.stringify(rows)).not.toContain('198.51.100.1');
  });

  it('reads nothing: every query, and any mutation but cookie consent, is refused', async () => {
    const attempts = [
      '{ policyVersions { edges { node { id } } } }',
      '{ subProcessors { edges { node { name } } } }',
      '{ me { id kind } }',
      '{ tenant { slug widget { key } } }',
      `{ endUser(id: "${world.acme.endUserIds[0]}") { id consents { edges { node { purpose } } } } }`,
      '{ endUsers { edges { node { id } } } }',
      `mutation { recordConsent(input: { endUserId: "${world.acme.endUserIds[0]}", purpose: ANALYTICS, granted: true, source: WIDGET }) { id } }`,
      `mutation { recordCookieConsent(input: { visitorId: "visitor-acme-1", choices: { functional: true, analytics: true, advertising: true } }) optOutOfContact(endUserId: "${world.acme.endUserIds[0]}", channel: SMS, source: WIDGET) { id } }`,
      'mutation { rotateWidgetKey { key } }',
    ];
    for (const [n, query] of attempts.entries()) {
      const response = await widget(query, { address: `198.51.100.${10 + n}` });
      expect(codes(response)).toEqual(['FORBIDDEN']);
      expect(response.data ?? null).toBeNull();
    }
  });

  it('is refused by every subgraph for anything but cookie consent, even with a valid gateway signature', async () => {
    const signer = await world.env.signer();
    const claims = () => memberClaims(world.acme, [], { principal: { id: 'wk_test', kind: 'widget', roles: [], scopes: [] }, accessPolicy: null });
    const entities = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on EndUser { id } } }';
    const attempts: [string, string, Record<string, unknown>?][] = [
      ['consent', entities, { r: [{ __typename: 'EndUser', id: world.acme.endUserIds[0] }] }],
      ['consent', '{ policyVersions { edges { node { id } } } }'],
      ['consent', '{ contactOptOuts { edges { node { id } } } }'],
      ['consent', `mutation { linkVisitor(visitorId: "visitor-acme-1", endUserId: "${world.acme.endUserIds[0]}") }`],
      ['identity', entities, { r: [{ __typename: 'EndUser', id: world.acme.endUserIds[0] }] }],
      ['identity', '{ me { id } }'],
      ['identity', '{ endUsers { edges { node { id } } } }'],
      ['interactions', entities, { r: [{ __typename: 'EndUser', id: world.acme.endUserIds[0] }] }],
      ['crm', entities, { r: [{ __typename: 'EndUser', id: world.acme.endUserIds[0] }] }],
    ];
    for (const [subgraph, query, variables] of attempts) {
      const response = await callSubgraph(signer, subgraph, world.stack.subgraphUrls[subgraph as 'consent'], claims(), query, variables);
      expect({ subgraph, query, codes: codes(response) }).toEqual({ subgraph, query, codes: ['FORBIDDEN'] });
    }
  });

  it('cannot write for another tenant: not with a foreign origin, and a shared visitor id stays apart', async () => {
    const acmeKeyOnGlobex = await widget(COOKIE, { origin: GLOBEX, address: '198.51.100.30' }, { v: 'visitor-shared-1' });
    expect(acmeKeyOnGlobex.status).toBe(403);
    expect(codes(acmeKeyOnGlobex)).toEqual(['FORBIDDEN']);
    const globexKeyOnAcme = await widget(COOKIE, { key: keys.globex, origin: ACME, address: '198.51.100.31' }, { v: 'visitor-shared-1' });
    expect(codes(globexKeyOnAcme)).toEqual(['FORBIDDEN']);
    expect(await cookies(world.acme.id, 'visitor-shared-1') + await cookies(world.globex.id, 'visitor-shared-1')).toBe(0);

    expect((await widget(COOKIE, { key: keys.globex, origin: GLOBEX, address: '198.51.100.32' }, { v: 'visitor-shared-1' })).data).toEqual({ recordCookieConsent: true });
    expect((await widget(COOKIE, { address: '198.51.100.33' }, { v: 'visitor-shared-1' })).data).toEqual({ recordCookieConsent: true });
    expect([await cookies(world.acme.id, 'visitor-shared-1'), await cookies(world.globex.id, 'visitor-shared-1')]).toEqual([1, 1]);

    // globex's visitor is unknown to acme's agents, and the other way round.
    const link = 'mutation($v: String!, $e: ID!) { linkVisitor(visitorId: $v, endUserId: $e) }';
    expect(codes(await world.as(tokens.acmeAgent).send(link, { v: 'visitor-globex-only', e: world.acme.endUserIds[0] }))).toEqual(['NOT_FOUND']);
    await widget(COOKIE, { key: keys.globex, origin: GLOBEX, address: '198.51.100.34' }, { v: 'visitor-globex-only' });
    expect(codes(await world.as(tokens.acmeAgent).send(link, { v: 'visitor-globex-only', e: world.acme.endUserIds[0] }))).toEqual(['NOT_FOUND']);
    expect((await world.as(tokens.globexAgent).send(link, { v: 'visitor-globex-only', e: world.globex.endUserIds[0] })).data.linkVisitor).toBe(true);
  });

  it('is refused when unknown, missing, without an Origin, or after rotation', async () => {
    const unknown = await widget(COOKIE, { key: 'cxw_not-a-key', address: '198.51.100.40' }, { v: 'visitor-acme-2' });
    expect(unknown.status).toBe(401);
    expect(codes(unknown)).toEqual(['UNAUTHENTICATED']);
    const missing = await httpClient(widgetUrl(), undefined, { origin: ACME }).send(COOKIE, { v: 'visitor-acme-2' });
    expect(codes(missing)).toEqual(['UNAUTHENTICATED']);
    const bearerOnly = await httpClient(widgetUrl(), tokens.acmeAdmin, { origin: ACME }).send(COOKIE, { v: 'visitor-acme-2' });
    expect(codes(bearerOnly)).toEqual(['UNAUTHENTICATED']);
    expect(codes(await widget(COOKIE, { origin: '', address: '198.51.100.41' }, { v: 'visitor-acme-2' }))).toEqual(['FORBIDDEN']);
    // On the main endpoint a widget key is no credential at all.
    const main = await world.as(undefined, { 'x-widget-key': keys.acme, origin: ACME }).send(COOKIE, { v: 'visitor-acme-2' });
    expect(codes(main)).toEqual(['FORBIDDEN']);
    expect(await cookies(world.acme.id, 'visitor-acme-2')).toBe(0);

    const old = keys.acme;
    keys.acme = (await world.as(tokens.acmeAdmin).send('mutation { rotateWidgetKey { key } }')).data.rotateWidgetKey.key;
    expect(keys.acme).not.toBe(old);
    expect(codes(await widget(COOKIE, { key: old, address: '198.51.100.42' }, { v: 'visitor-acme-2' }))).toEqual(['UNAUTHENTICATED']);
    expect((await widget(COOKIE, { address: '198.51.100.42' }, { v: 'visitor-acme-2' })).data).toEqual({ recordCookieConsent: true });
  });

  it('is not bound by the tenant’s IP allowlist (visitors are anywhere)', async () => {
    const set = 'mutation($m: AccessMode!, $c: [String!]!) { updateTenantAccessPolicy(input: { mode: $m, cidrs: $c }) { id } }';
    expect((await world.as(tokens.acmeAdmin).send(set, { m: 'ALLOWLIST', c: ['127.0.0.1/32'] })).errors).toBeUndefined();
    try {
      const outside = await world.as(tokens.acmeAdmin, { 'x-forwarded-for': '198.51.100.50' }).send('{ tenant { slug } }');
      expect(codes(outside)).toEqual(['IP_NOT_ALLOWED']);
      expect((await widget(COOKIE, { address: '198.51.100.50' }, { v: 'visitor-acme-3' })).data).toEqual({ recordCookieConsent: true });
    } finally {
      await world.as(tokens.acmeAdmin).send(set, { m: 'EVERYONE', c: [] });
    }
  });

  it('is rate limited per key and address', async () => {
    const address = '203.0.113.77';
    for (let n = 0; n < 5; n++) expect((await widget(COOKIE, { address }, { v: 'visitor-acme-4' })).data).toEqual({ recordCookieConsent: true });
    const refused = await widget(COOKIE, { address }, { v: 'visitor-acme-4' });
    expect(refused.status).toBe(429);
    expect(codes(refused)).toEqual(['RATE_LIMITED']);
    expect(await cookies(world.acme.id, 'visitor-acme-4')).toBe(5);
    expect((await widget(COOKIE, { address: '203.0.113.78' }, { v: 'visitor-acme-4' })).data).toEqual({ recordCookieConsent: true });
    // The tenant's own API budget is untouched.
    expect((await world.as(tokens.acmeAdmin).send('{ tenant { slug } }')).data.tenant.slug).toBe('acme');
  });
});

describe('linking a visitor', () => {
  it('shows their cookie choice on the end-user, to agents of the tenant', async () => {
    const endUserId = world.acme.endUserIds[2];
    expect((await world.as(tokens.acmeAgent).send('mutation($e: ID!) { linkVisitor(visitorId: "visitor-acme-1", endUserId: $e) }', { e: endUserId })).data.linkVisitor).toBe(true);
    const read = await world.as(tokens.acmeAgent).send('query($id: ID!) { endUser(id: $id) { cookieConsent { visitorId strictlyNecessary functional analytics advertising } } }', { id: endUserId });
    expect(read.data.endUser.cookieConsent).toEqual({ visitorId: 'visitor-acme-1', strictlyNecessary: true, functional: true, analytics: true, advertising: false });
  });
});
