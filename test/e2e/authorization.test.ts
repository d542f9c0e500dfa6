import { importJWK, SignJWT } from 'jose';
import { createGatewayServer, type GatewayServer } from '../../gateway/server';
import { CLIENT_TOKEN_ISSUER } from '../../gateway/auth/access-token';
import { ApiClient } from '../../subgraphs/identity/entities/api-client.entity';
import type { AccessMode } from '../../subgraphs/identity/entities/tenant.entity';
import { TenantService } from '../../subgraphs/identity/services/tenant.service';
import { PlatformTables } from '../../subgraphs/kit/platform-tables';
import { accessEvents } from '../../platform/access-events';
import { Interaction } from '../../subgraphs/interactions/entities/interaction.entity';
import { contextKeyFor, decodeSecret, requestDigest } from '../../platform/contracts/signed-context';
import { callSubgraph, codes, memberClaims, type GraphQLResponse } from '../helpers/environment';
import { httpClient } from '../helpers/graphql';
import { captureLogs } from '../helpers/log-capture';
import { seededStack, type SeededStack } from '../helpers/stack';

const logs = captureLogs();
let world: SeededStack;
const tokens: Record<string, string> = {};

/** Refused with this code, and no data for the refused field. */
function expectRefused(response: GraphQLResponse, code: string, field?: string) {
  expect(codes(response)).toContain(code);
  if (field) expect(response.data?.[field] ?? null).toBeNull();
}

async function exchange(body: Record<string, string>, url = world.stack.gatewayUrl) {
  const response = await fetch(url.replace(/\/graphql$/, '/oauth/token'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const PROFILE = 'query($id: ID!) { endUser(id: $id) { id firstName email ssn dateOfBirth gender maritalStatus geolocation { latitude } } }';

beforeAll(async () => {
  world = await seededStack({ logger: logs.logger });
  for (const role of ['admin', 'supervisor', 'agent', 'analyst', 'privacy_officer', 'integrator']) {
    tokens[role] = await world.env.token({ tenant: 'acme', roles: [role], sub: `acme-${role}` });
  }
  tokens.globexAdmin = await world.env.token({ tenant: 'globex', roles: ['admin'], sub: 'globex-admin' });
  tokens.platform = await world.env.token({ platform: true });
});
afterAll(() => world?.close());

describe('another tenant’s ids', () => {
  let globexInteractionId: string;
  beforeAll(async () => {
    const [interaction] = await world.stack.subgraphs.interactions.dataSource
      .getRepository(Interaction)
      .find({ where: { tenantId: world.globex.id }, take: 1 });
    globexInteractionId = interaction.id;
  });

  it('reads nothing through any query that takes an id', async () => {
    const profile = await world.as(tokens.admin).send(PROFILE, { id: world.globex.endUserIds[0] });
    expect(profile).toMatchObject({ data: { endUser: null } });
    const interaction = await world.as(tokens.admin).send('query($id: ID!) { interaction(id: $id) { id transcript { edges { node { text } } } } }', { id: globexInteractionId });
    expect(interaction).toMatchObject({ data: { interaction: null } });
    const byEmail = await world.as(tokens.admin).send('{ endUsers(filter: { email: "alan.dijkstra.0@globex.example" }) { edges { node { id } } } }');
    expect(byEmail.data.endUsers.edges).toEqual([]);
  });

  it('changes nothing through any mutation that takes an id', async () => {
    const update = await world.as(tokens.admin).send('mutation($id: ID!) { updateEndUser(id: $id, input: { lastName: "X" }) { id } }', { id: world.globex.endUserIds[0] });
    expectRefused(update, 'NOT_FOUND', 'updateEndUser');
    const invited = await world.as(tokens.globexAdmin).send('mutation { inviteOperator(input: { subject: "globex-victim", email: "v@globex.example", roles: [AGENT] }) { id } }');
    const id = invited.data.inviteOperator.id;
    for (const mutation of ['revokeOperator(id: $id) { id }', 'reinstateOperator(id: $id) { id }', 'setOperatorRoles(id: $id, roles: [ADMIN]) { id }', 'revokeApiClient(id: $id) { id }']) {
      const response = await world.as(tokens.admin).send(`mutation($id: ID!) { ${mutation} }`, { id });
      expectRefused(response, 'NOT_FOUND');
    }
    const link = await world.as(tokens.admin).send(
      'mutation($input: LinkCrmRecordInput!) { linkCrmRecord(input: $input) { id } }',
      { input: { endUserId: world.acme.endUserIds[0], connectionId: '00000000-0000-7000-8000-00000000dead', externalId: 'x' } },
    );
    expectRefused(link, 'NOT_FOUND');
  });

  it('resolves another tenant’s entity references to nothing in every subgraph', async () => {
    const signer = await world.env.signer();
    const claims = memberClaims(world.acme, ['admin']);
    const interactionRef = await callSubgraph(
      signer, 'interactions', world.stack.subgraphUrls.interactions, claims,
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Interaction { id channel } } }',
      { r: [{ __typename: 'Interaction', id: globexInteractionId }] },
    );
    expect(interactionRef.data._entities).toEqual([null]);
  });
});

describe('tenants and principals that may not act', () => {
  it('refuses a token for an unknown tenant, and for a disabled one from the next request', async () => {
    const unknown = await world.as(await world.env.token({ tenant: 'nobody', roles: ['admin'] })).send('{ me { id } }');
    expect(unknown.status).toBe(401);
    expectRefused(unknown, 'UNAUTHENTICATED');

    const before = await world.as(tokens.globexAdmin).send('{ tenant { slug } }');
    expect(before.data.tenant.slug).toBe('globex');
    const disabled = await world.as(tokens.platform).send('mutation($id: ID!) { setTenantStatus(id: $id, status: DISABLED) { status } }', { id: world.globex.id });
    expect(disabled.data.setTenantStatus.status).toBe('DISABLED');
    const after = await world.as(tokens.globexAdmin).send('{ tenant { slug } }');
    expect(after.status).toBe(401);
    expectRefused(after, 'UNAUTHENTICATED');
    await world.as(tokens.platform).send('mutation($id: ID!) { setTenantStatus(id: $id, status: ACTIVE) { status } }', { id: world.globex.id });
    expect((await world.as(tokens.globexAdmin).send('{ tenant { slug } }')).data.tenant.slug).toBe('globex');
  });

  it('applies an operator’s revocation and role changes on the next request, whatever the token claims', async () => {
    const token = await world.env.token({ tenant: 'acme', roles: ['admin'], sub: 'acme-carol' });
    expect((await world.as(token).send('{ operators { edges { node { id } } } }')).errors).toBeUndefined();

    const invited = await world.as(tokens.admin).send('mutation { inviteOperator(input: { subject: "acme-carol", email: "carol@acme.example", roles: [AGENT] }) { id roles status } }');
    expect(invited.data.inviteOperator).toMatchObject({ roles: ['AGENT'], status: 'ACTIVE' });
    const id = invited.data.inviteOperator.id;
    // The record now decides: the token's admin claim no longer counts.
    expectRefused(await world.as(token).send('{ operators { edges { node { id } } } }'), 'FORBIDDEN', 'operators');
    const masked = await world.as(token).send(PROFILE, { id: world.acme.endUserIds[0] });
    expect(masked.data.endUser.ssn).toMatch(/^\*\*\*-\*\*-\d{4}$/);

    await world.as(tokens.admin).send('mutation($id: ID!) { setOperatorRoles(id: $id, roles: [SUPERVISOR]) { id } }', { id });
    expect((await world.as(token).send(PROFILE, { id: world.acme.endUserIds[0] })).data.endUser.ssn).toMatch(/^\d{3}-\d{2}-\d{4}$/);

    await world.as(tokens.admin).send('mutation($id: ID!) { revokeOperator(id: $id) { status } }', { id });
    const revoked = await world.as(token).send('{ me { id } }');
    expect(revoked.status).toBe(403);
    expectRefused(revoked, 'FORBIDDEN', 'me');

    await world.as(tokens.admin).send('mutation($id: ID!) { reinstateOperator(id: $id) { status } }', { id });
    expect((await world.as(token).send('{ me { roles } }')).data.me.roles).toEqual(['supervisor']);
  });

  it('does not let an admin lock themselves out', async () => {
    const self = await world.as(tokens.admin).send('mutation { inviteOperator(input: { subject: "acme-dana", email: "dana@acme.example", roles: [ADMIN] }) { id } }');
    const dana = await world.env.token({ tenant: 'acme', roles: ['admin'], sub: 'acme-dana' });
    expectRefused(await world.as(dana).send('mutation($id: ID!) { revokeOperator(id: $id) { id } }', { id: self.data.inviteOperator.id }), 'CONFLICT');
    expectRefused(await world.as(dana).send('mutation($id: ID!) { setOperatorRoles(id: $id, roles: [AGENT]) { id } }', { id: self.data.inviteOperator.id }), 'CONFLICT');
  });

  it('ignores roles it does not know', async () => {
    const token = await world.env.token({ tenant: 'acme', roles: ['superuser', 'root'], sub: 'acme-eve' });
    expectRefused(await world.as(token).send('{ endUsers { edges { node { id } } } }'), 'FORBIDDEN', 'endUsers');
  });
});

describe('API clients', () => {
  let clientId: string;
  let clientSecret: string;
  let clientRowId: string;

  beforeAll(async () => {
    const created = await world.as(tokens.admin).send(
      'mutation { createApiClient(input: { name: "HubSpot sync", scopes: ["profiles:read", "crm:read"] }) { client { id clientId scopes status } clientSecret } }',
    );
    ({ clientId } = created.data.createApiClient.client);
    clientRowId = created.data.createApiClient.client.id;
    clientSecret = created.data.createApiClient.clientSecret;
  });

  it('shows the secret once and stores only a hash', async () => {
    expect(clientSecret).toMatch(/^cxs_/);
    const row = await world.stack.subgraphs.identity.dataSource.getRepository(ApiClient).findOneByOrFail({ clientId });
    expect(row.secretHash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(row)).not.toContain(clientSecret);
    const listed = await world.as(tokens.admin).send('{ apiClients { edges { node { clientId scopes } } } }');
    expect(JSON.stringify(listed)).not.toContain(clientSecret);
    expectRefused(await world.as(tokens.admin).send('{ apiClients { edges { node { secretHash } } } }'), 'GRAPHQL_VALIDATION_FAILED');
  });

  it('exchanges credentials for a short-lived token that carries only the client’s scopes', async () => {
    const { status, body } = await exchange({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'profiles:read crm:read' });
    const profile = await world.as(body.access_token).send(PROFILE, { id: world.acme.endUserIds[0] });
    expect(profile.data.endUser.email).toMatch(/@acme\.example$/);
    expect(profile.data.endUser.ssn).toMatch(/^\*\*\*-\*\*-\d{4}$/);
    expect(profile.data.endUser.dateOfBirth).toBeNull();
    expectRefused(await world.as(body.access_token).send('mutation { createEndUser(input: { firstName: "X" }) { id } }'), 'FORBIDDEN', 'createEndUser');
    const interactions = await world.as(body.access_token).send('query($id: ID!) { endUser(id: $id) { id interactions { edges { node { id } } } } }', { id: world.acme.endUserIds[0] });
    expectRefused(interactions, 'FORBIDDEN');
    expect(interactions.data.endUser).toEqual({ id: world.acme.endUserIds[0], interactions: null });
  });

  it('refuses wrong credentials, other grants, and a client asking for more than it was given', async () => {
    expect(await exchange({ grant_type: 'client_credentials', client_id: clientId, client_secret: 'cxs_wrong' })).toEqual({ status: 401, body: { error: 'invalid_client' } });
    expect(await exchange({ grant_type: 'client_credentials', client_id: 'cxc_nope', client_secret: clientSecret })).toEqual({ status: 401, body: { error: 'invalid_client' } });
    expect((await exchange({ grant_type: 'password', username: 'a', password: 'b' })).status).toBe(400);
    const admin = await world.as(tokens.admin).send('mutation { createApiClient(input: { name: "greedy", scopes: ["tenant:admin"] }) { clientSecret } }');
    expectRefused(admin, 'BAD_USER_INPUT');
    expect(admin.errors![0].extensions!.field).toBe('scopes');
  });

  it('refuses a revoked client’s token on the next request', async () => {
    const { body } = await exchange({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret });
    expect((await world.as(body.access_token).send('{ me { kind } }')).data.me.kind).toBe('API_CLIENT');
    await world.as(tokens.admin).send('mutation($id: ID!) { revokeApiClient(id: $id) { status } }', { id: clientRowId });
    const refused = await world.as(body.access_token).send('{ me { kind } }');
    expect(refused.status).toBe(403);
    expect((await exchange({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret })).status).toBe(401);
  });

  it('cannot be forged across issuers: a client token cannot claim platform or operator powers', async () => {
    const key = await importJWK(world.env.keys.clientToken.privateJwk, 'ES256');
    const forged = await new SignJWT({ platform: true })
      .setProtectedHeader({ alg: 'ES256' }).setIssuer(CLIENT_TOKEN_ISSUER).setAudience('cx-gateway')
      .setSubject('x').setIssuedAt().setExpirationTime('5m').sign(key);
    expect((await world.as(forged).send('{ tenants { edges { node { slug } } } }')).status).toBe(401);
    const asOperator = await new SignJWT({ tenant: 'acme', roles: ['admin'] })
      .setProtectedHeader({ alg: 'ES256' }).setIssuer(CLIENT_TOKEN_ISSUER).setAudience('cx-gateway')
      .setSubject('acme-admin').setIssuedAt().setExpirationTime('5m').sign(key);
    expect((await world.as(asOperator).send('{ me { id } }')).status).toBe(401);
  });
});

describe('roles reaching past their scopes', () => {
  const id = () => world.acme.endUserIds[0];

  it('analyst: no end-user data at all', async () => {
    expectRefused(await world.as(tokens.analyst).send(PROFILE, { id: id() }), 'FORBIDDEN', 'endUser');
    expectRefused(await world.as(tokens.analyst).send('{ endUsers { edges { node { id } } } }'), 'FORBIDDEN', 'endUsers');
    expectRefused(await world.as(tokens.analyst).send('{ crmConnections { edges { node { id } } } }'), 'FORBIDDEN', 'crmConnections');
    expect((await world.as(tokens.analyst).send('{ me { roles } }')).data.me.roles).toEqual(['analyst']);
  });

  it('agent: profiles with sensitive PII masked, nothing of the tenant’s administration', async () => {
    const { data } = await world.as(tokens.agent).send(PROFILE, { id: id() });
    expect(data.endUser.ssn).toMatch(/^\*\*\*-\*\*-\d{4}$/);
    expect(data.endUser).toMatchObject({ dateOfBirth: null, gender: null, maritalStatus: null, geolocation: null });
    expect(data.endUser.email).toMatch(/@acme\.example$/);
    expectRefused(await world.as(tokens.agent).send('{ operators { edges { node { id } } } }'), 'FORBIDDEN', 'operators');
    expectRefused(await world.as(tokens.agent).send('mutation { updateTenantAccessPolicy(input: { mode: EVERYONE }) { id } }'), 'FORBIDDEN');
    expectRefused(await world.as(tokens.agent).send('mutation { createCrmConnection(input: { name: "x", provider: HUBSPOT, baseUrl: "http://x.example", role: THIRD_PARTY }) { id } }'), 'FORBIDDEN');
    expectRefused(await world.as(tokens.agent).send('{ tenant { accessPolicy { mode } } }'), 'FORBIDDEN');
  });

  it('supervisor and privacy officer: sensitive PII whole; privacy officer cannot write', async () => {
    for (const role of ['supervisor', 'privacy_officer', 'admin']) {
      const { data } = await world.as(tokens[role]).send(PROFILE, { id: id() });
      expect(data.endUser.ssn).toMatch(/^\d{3}-\d{2}-\d{4}$/);
      expect(data.endUser.dateOfBirth).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    expectRefused(await world.as(tokens.privacy_officer).send('mutation { createEndUser(input: { firstName: "X" }) { id } }'), 'FORBIDDEN');
    expectRefused(await world.as(tokens.supervisor).send('mutation { createCrmConnection(input: { name: "x", provider: HUBSPOT, baseUrl: "http://x.example", role: THIRD_PARTY }) { id } }'), 'FORBIDDEN');
  });

  it('integrator: profile basics and CRM data, no sensitive PII, no transcripts', async () => {
    const response = await world.as(tokens.integrator).send(
      'query($id: ID!) { endUser(id: $id) { email ssn crmLinks { edges { node { externalId } } } interactions { edges { node { id } } } } }',
      { id: id() },
    );
    expect(response.data.endUser.email).toMatch(/@acme\.example$/);
    expect(response.data.endUser.ssn).toMatch(/^\*\*\*/);
    expect(response.data.endUser.crmLinks.edges.length).toBe(1);
    expect(response.data.endUser.interactions).toBeNull();
    expect(codes(response)).toEqual(['FORBIDDEN']);
  });

  it('platform operator: creates tenants, reads no tenant data', async () => {
    expectRefused(await world.as(tokens.platform).send(PROFILE, { id: id() }), 'FORBIDDEN', 'endUser');
    expectRefused(await world.as(tokens.platform).send('{ tenant { id } }'), 'FORBIDDEN', 'tenant');
    expect((await world.as(tokens.platform).send('{ tenants { edges { node { slug } } } }')).data.tenants.edges.length).toBeGreaterThanOrEqual(2);
  });

  it('an IdP token cannot pose as an API client', async () => {
    const key = await importJWK(world.env.keys.accessToken.privateJwk, 'ES256');
    const posing = await new SignJWT({ tenant: 'acme', client_id: 'cxc_x', scope: 'profiles:read' })
      .setProtectedHeader({ alg: 'ES256' }).setIssuer('cx-dev-issuer').setAudience('cx-gateway')
      .setSubject('x').setIssuedAt().setExpirationTime('5m').sign(key);
    expect((await world.as(posing).send('{ me { id } }')).status).toBe(401);
  });
});

describe('client address and the tenant allowlist', () => {
  let dualStack: GatewayServer;
  let trustingProxy: GatewayServer;
  let dualStackPort: number;
  let proxiedUrl: string;

  // Set as an admin calling from inside each new list would (the service refuses a list that
  // shuts out the admin's own address), announced to the gateways like any change.
  const setPolicy = (mode: 'EVERYONE' | 'ALLOWLIST', cidrs: string[]) =>
    new TenantService(PlatformTables.of(world.stack.subgraphs.identity.dataSource), accessEvents()).updateAccessPolicy(
      world.acme.id,
      { mode: mode as AccessMode, cidrs },
      cidrs[0]?.split('/')[0] ?? '127.0.0.1',
    );

  beforeAll(async () => {
    const config = { ...world.env.gatewayConfig, subgraphUrls: world.stack.subgraphUrls };
    // Listening on :: so IPv4 clients arrive as IPv4-mapped IPv6 (::ffff:127.0.0.1) and ::1 as IPv6.
    dualStack = await createGatewayServer(config, { logger: logs.logger('gateway') });
    dualStackPort = (await dualStack.listen(0, '::')).port;
    trustingProxy = await createGatewayServer({ ...config, trustProxy: ['loopback'] }, { logger: logs.logger('gateway') });
    proxiedUrl = (await trustingProxy.listen(0)).url;
  });
  afterAll(async () => {
    await setPolicy('EVERYONE', []);
    await dualStack?.close();
    await trustingProxy?.close();
  });

  const viaIpv4 = () => `http://127.0.0.1:${dualStackPort}/graphql`;
  const viaIpv6 = () => `http://[::1]:${dualStackPort}/graphql`;
  const profile = (url: string, headers: Record<string, string> = {}) =>
    httpClient(url, tokens.admin, headers).send(PROFILE, { id: world.acme.endUserIds[0] });

  it('refuses an address outside the list, over IPv4, IPv4-mapped IPv6 and IPv6, before any planning', async () => {
    expect((await setPolicy('ALLOWLIST', ['10.0.0.0/8'])).accessPolicy).toEqual({ mode: 'ALLOWLIST', cidrs: ['10.0.0.0/8'] });
    for (const url of [world.stack.gatewayUrl, viaIpv4(), viaIpv6()]) {
      const response = await profile(url);
      expect(response.status).toBe(403);
      expect(codes(response)).toEqual(['IP_NOT_ALLOWED']);
      expect(response.data).toBeUndefined();
    }
  });

  it('admits a listed address however the socket spells it, and only that family', async () => {
    await setPolicy('ALLOWLIST', ['127.0.0.1/32']);
    expect((await profile(world.stack.gatewayUrl)).data.endUser.id).toBe(world.acme.endUserIds[0]);
    expect((await profile(viaIpv4())).data.endUser.id).toBe(world.acme.endUserIds[0]);
    expect((await profile(viaIpv6())).status).toBe(403);
    await setPolicy('ALLOWLIST', ['::1/128']);
    expect((await profile(viaIpv6())).data.endUser.id).toBe(world.acme.endUserIds[0]);
    expect((await profile(viaIpv4())).status).toBe(403);
  });

  it('ignores X-Forwarded-For from a client that is not a trusted proxy', async () => {
    await setPolicy('ALLOWLIST', ['203.0.113.0/24']);
    const spoofed = await profile(world.stack.gatewayUrl, { 'x-forwarded-for': '203.0.113.5' });
    expect(spoofed.status).toBe(403);
    expect(codes(spoofed)).toEqual(['IP_NOT_ALLOWED']);
  });

  it('behind a trusted proxy, takes the right-most untrusted address, so a left-most spoof fails', async () => {
    await setPolicy('ALLOWLIST', ['203.0.113.0/24', '2001:db8::/32']);
    expect((await profile(proxiedUrl, { 'x-forwarded-for': '203.0.113.5' })).data.endUser.id).toBeTruthy();
    expect((await profile(proxiedUrl, { 'x-forwarded-for': '::ffff:203.0.113.5' })).data.endUser.id).toBeTruthy();
    expect((await profile(proxiedUrl, { 'x-forwarded-for': '2001:db8::7' })).data.endUser.id).toBeTruthy();
    expect((await profile(proxiedUrl, { 'x-forwarded-for': '203.0.113.5, 198.51.100.7' })).status).toBe(403);
    expect((await profile(proxiedUrl, { 'x-forwarded-for': '2001:db9::1' })).status).toBe(403);
    expect((await profile(proxiedUrl, { 'x-forwarded-for': '::ffff:198.51.100.7' })).status).toBe(403);
  });

  it('is re-checked by each subgraph against the signed allowlist', async () => {
    const signer = await world.env.signer();
    const outside = memberClaims(world.acme, ['admin'], { clientIp: '198.51.100.7', accessPolicy: { mode: 'ALLOWLIST', cidrs: ['203.0.113.0/24'] } });
    for (const [name, query] of [
      ['identity', '{ endUsers { edges { node { id } } } }'],
      ['interactions', `{ interaction(id: "${world.acme.endUserIds[0]}") { id } }`],
      ['consent', '{ policyVersions { edges { node { id } } } }'],
      ['crm', '{ crmConnections { edges { node { id } } } }'],
    ] as const) {
      const response = await callSubgraph(signer, name, world.stack.subgraphUrls[name], outside, query);
      expect(codes(response)).toEqual(['IP_NOT_ALLOWED']);
    }
  });

  it('refuses the token exchange from outside the list', async () => {
    await setPolicy('ALLOWLIST', ['10.0.0.0/8']);
    const created = await world.as(tokens.admin).send('mutation { createApiClient(input: { name: "walled", scopes: ["crm:read"] }) { client { clientId } clientSecret } }');
    expect(created.status).toBe(403);
    await setPolicy('EVERYONE', []);
    const { client, clientSecret } = (await world.as(tokens.admin).send('mutation { createApiClient(input: { name: "walled", scopes: ["crm:read"] }) { client { clientId } clientSecret } }')).data.createApiClient;
    await setPolicy('ALLOWLIST', ['10.0.0.0/8']);
    const { status, body } = await exchange({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: clientSecret });
    expect(status).toBe(403);
    expect(body.access_token).toBeUndefined();
    await setPolicy('EVERYONE', []);
  });

  it('names the bad CIDR, refuses an empty allowlist, and one that shuts out the admin making it', async () => {
    const update = (cidrs: string[]) =>
      world.as(tokens.admin).send('mutation($cidrs: [String!]!) { updateTenantAccessPolicy(input: { mode: ALLOWLIST, cidrs: $cidrs }) { id } }', { cidrs });
    expect((await update(['127.0.0.0/8', '300.1.1.1/8'])).errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'cidrs[1]' });
    expect((await update([])).errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'cidrs' });
    const lockout = await update(['10.0.0.0/8']);
    expect(codes(lockout)).toEqual(['CONFLICT']);
    expect(lockout.errors![0].message).toContain('127.0.0.1');
    const ok = await world.as(tokens.admin).send('mutation { updateTenantAccessPolicy(input: { mode: ALLOWLIST, cidrs: ["127.0.0.1/32", "::ffff:10.0.0.0/104"] }) { accessPolicy { cidrs } } }');
    expect(ok.data.updateTenantAccessPolicy.accessPolicy.cidrs).toEqual(['127.0.0.1/32', '10.0.0.0/8']);
  });
});

describe('subgraph contexts that expired', () => {
  it('refuses a context past its expiry at every subgraph', async () => {
    const master = decodeSecret(world.env.keys.contextSecret, 'context secret');
    const query = '{ _service { sdl } }';
    const past = Math.floor(Date.now() / 1000) - 300;
    for (const name of ['identity', 'interactions', 'consent', 'crm'] as const) {
      const token = await new SignJWT({ ...memberClaims(world.acme, ['admin']), digest: requestDigest(query, undefined) })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer('cx-gateway').setAudience(name)
        .setIssuedAt(past).setExpirationTime(past + 30).setJti(`old-${name}`).sign(contextKeyFor(master, name));
      const response = await httpClient(world.stack.subgraphUrls[name], undefined, { 'x-cx-context': token }).send(query);
      expect(response.status).toBe(401);
      expect(response.data).toBeUndefined();
    }
  });
});

describe('denials are logged', () => {
  it('with who, tenant, operation, reason and address, and no token', async () => {
    const marker = `probe-${Date.now()}`;
    await world.as(tokens.agent).send(`query ${marker.replace('-', '_')} { operators { edges { node { id } } } }`);
    await world.as('not-a-valid-token').send('{ me { id } }');
    const denials = logs.records().filter((r) => r.msg === 'access denied' || r.msg === 'request denied');
    // The gateway names each subgraph fetch after the client's operation.
    const shieldDenial = denials.find((r) => String(r.operation).startsWith(marker.replace('-', '_')));
    expect(shieldDenial).toMatchObject({ tenant: 'acme', principal: 'operator:acme-agent', ip: '127.0.0.1', field: 'Query.operators', code: 'FORBIDDEN' });
    expect(denials.some((r) => r.msg === 'request denied' && r.reason === 'Invalid or expired access token')).toBe(true);
    const everything = logs.lines.join('\n');
    for (const secret of Object.values(tokens)) expect(everything).not.toContain(secret.split('.')[2]);
  });
});
