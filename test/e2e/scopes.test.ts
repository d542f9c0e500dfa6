import { randomBytes } from 'node:crypto';
import { ApiClient } from '../../subgraphs/identity/entities/api-client.entity';
import { AuditEvent } from '../../subgraphs/identity/entities/audit-event.entity';
import { PrincipalStatus } from '../../subgraphs/identity/entities/operator.entity';
import { hashSecret } from '../../subgraphs/identity/services/principal.service';
import { CrmLink } from '../../subgraphs/crm/entities/crm-link.entity';
import { ADMIN_GRADE_SCOPES, API_CLIENT_SCOPES, ROLE_SCOPES, SCOPES } from '../../subgraphs/kit/auth/roles';
import { ACCESS_EXPORT_SCOPES } from '../../subgraphs/identity/permissions';
import { TenantScope } from '../../subgraphs/kit/tenant-repository';
import { callSubgraph, codes, memberClaims, type GraphQLResponse } from '../helpers/environment';
import { seededStack, type SeededStack } from '../helpers/stack';

let world: SeededStack;
let admin: string;
let officer: string;

const CREATE_CLIENT = 'mutation($scopes: [String!]!) { createApiClient(input: { name: "probe", scopes: $scopes }) { client { clientId scopes } clientSecret } }';

async function exchange(clientId: string, clientSecret: string) {
  const response = await fetch(world.stack.gatewayUrl.replace(/\/graphql$/, '/oauth/token'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { access_token: string; scope: string };
}

/** A client as an older release stored it, before some of its scopes became admin-grade. */
async function storedClient(scopes: string[]): Promise<{ token: string; scope: string }> {
  const clientId = `cxc_${randomBytes(12).toString('hex')}`;
  const clientSecret = `cxs_${randomBytes(32).toString('base64url')}`;
  const repo = TenantScope.of(world.stack.subgraphs.identity.dataSource, world.acme.id).repo(ApiClient);
  await repo.save(repo.create({ name: 'legacy', clientId, secretHash: await hashSecret(clientSecret), scopes, status: PrincipalStatus.ACTIVE, lastUsedAt: null }));
  const { access_token, scope } = await exchange(clientId, clientSecret);
  return { token: access_token, scope };
}

async function newEndUser(): Promise<string> {
  const created = await world.as(admin).send(
    'mutation($input: CreateEndUserInput!) { createEndUser(input: $input) { id } }',
    { input: { firstName: 'Sam', lastName: 'Scope', email: `sam.${randomBytes(3).toString('hex')}@example.org`, ssn: '123-45-6789', dateOfBirth: '1980-02-03' } },
  );
  expect(created.errors).toBeUndefined();
  return created.data.createEndUser.id;
}

async function accessRequest(endUserId: string): Promise<string> {
  const created = await world.as(officer).send('mutation($id: ID!) { createPrivacyRequest(input: { endUserId: $id, kind: ACCESS }) { id status } }', { id: endUserId });
  expect(created.errors).toBeUndefined();
  return created.data.createPrivacyRequest.id;
}

function expectForbidden(response: GraphQLResponse, field: string) {
  expect(codes(response)).toContain('FORBIDDEN');
  expect(response.data?.[field] ?? null).toBeNull();
}

beforeAll(async () => {
  world = await seededStack();
  admin = await world.env.token({ tenant: 'acme', roles: ['admin'], sub: 'acme-admin' });
  officer = await world.env.token({ tenant: 'acme', roles: ['privacy_officer'], sub: 'acme-officer' });
});
afterAll(() => world?.close());

describe('which scopes an API client may hold', () => {
  it('are an allowlist with no admin-grade scope in it, and every scope is one or the other', () => {
    expect(API_CLIENT_SCOPES.filter((scope) => ADMIN_GRADE_SCOPES.includes(scope))).toEqual([]);
    expect([...API_CLIENT_SCOPES, ...ADMIN_GRADE_SCOPES].sort()).toEqual([...SCOPES].sort());
    for (const scope of ['privacy:manage', 'audit:read', 'crm:admin', 'tenant:admin', 'pii:read'] as const) expect(ADMIN_GRADE_SCOPES).toContain(scope);
  });

  it('refuses each admin-grade scope at creation with BAD_USER_INPUT naming scopes, alone, mixed in, repeated or unknown', async () => {
    const attempts = [
      ...ADMIN_GRADE_SCOPES.map((scope) => [scope]),
      ['profiles:read', 'privacy:manage'],
      ['crm:read', 'crm:write', 'crm:admin'],
      ['audit:read', 'audit:read'],
      ['PRIVACY:MANAGE'],
      ['privacy:manage '],
      ['profiles:*'],
      ['*'],
    ];
    for (const scopes of attempts) {
      const response = await world.as(admin).send(CREATE_CLIENT, { scopes });
      expect(codes(response)).toEqual(['BAD_USER_INPUT']);
      expect(response.errors![0].extensions!.field).toBe('scopes');
      expect(response.data?.createApiClient ?? null).toBeNull();
    }
    const stored = await world.stack.subgraphs.identity.dataSource.getRepository(ApiClient).find({ where: { tenantId: world.acme.id, name: 'probe' } });
    expect(stored).toEqual([]);
  });

  it('accepts the client scopes, and the token carries exactly them', async () => {
    const created = await world.as(admin).send(CREATE_CLIENT, { scopes: [...API_CLIENT_SCOPES] });
    expect(created.errors).toBeUndefined();
    const { client, clientSecret } = created.data.createApiClient;
    expect((await exchange(client.clientId, clientSecret)).scope.split(' ').sort()).toEqual([...API_CLIENT_SCOPES].sort());
  });

  it('strips admin-grade scopes from a client stored with them, at authentication', async () => {
    const legacy = await storedClient(['privacy:manage', 'profiles:read', 'audit:read', 'crm:admin', 'pii:read', 'tenant:admin', 'policy:manage']);
    expect(legacy.scope).toBe('profiles:read');
    const endUserId = await newEndUser();
    const requestId = await accessRequest(endUserId);
    const attempts: [string, string, Record<string, unknown>?][] = [
      ['privacyAccessExport', 'query($id: ID!) { privacyAccessExport(requestId: $id) }', { id: requestId }],
      ['privacyRequests', '{ privacyRequests { edges { node { id } } } }'],
      ['privacyRequest', 'query($id: ID!) { privacyRequest(id: $id) { id } }', { id: requestId }],
      ['createPrivacyRequest', 'mutation($id: ID!) { createPrivacyRequest(input: { endUserId: $id, kind: ACCESS }) { id } }', { id: endUserId }],
      ['disclosures', '{ disclosures { edges { node { id } } } }'],
      ['legalHolds', '{ legalHolds { edges { node { id } } } }'],
      ['auditEvents', '{ auditEvents { edges { node { id fields } } } }'],
      ['apiClients', '{ apiClients { edges { node { id } } } }'],
      ['createCrmConnection', 'mutation { createCrmConnection(input: { name: "x", provider: HUBSPOT, baseUrl: "https://api.hubapi.com", role: SERVICE_PROVIDER }) { id } }'],
      ['publishPolicyVersion', 'mutation { publishPolicyVersion(input: { version: "2030-01", effectiveAt: "2030-01-01T00:00:00Z", summary: "x", material: false }) { id } }'],
    ];
    for (const [field, query, variables] of attempts) {
      const response = await world.as(legacy.token).send(query, variables);
      expectForbidden(response, field);
      expect(JSON.stringify(response)).not.toContain('123-45-6789');
    }
    const profile = await world.as(legacy.token).send('query($id: ID!) { endUser(id: $id) { id ssn dateOfBirth } }', { id: endUserId });
    expect(profile.data.endUser).toEqual({ id: endUserId, ssn: '***-**-6789', dateOfBirth: null });
  });
});

describe('the access export', () => {
  it('needs every scope whose data it hands out; every role holding privacy:manage holds them all', () => {
    for (const scopes of Object.values(ROLE_SCOPES)) {
      if (scopes.includes('privacy:manage')) for (const scope of ACCESS_EXPORT_SCOPES) expect(scopes).toContain(scope);
    }
    expect(ACCESS_EXPORT_SCOPES).toEqual(expect.arrayContaining(['pii:read', 'transcripts:read', 'audit:read', 'consent:read', 'crm:read', 'profiles:read']));
  });

  it('is refused to a client with privacy:manage and profiles:read, and to each role lacking a section’s scope', async () => {
    const endUserId = await newEndUser();
    const requestId = await accessRequest(endUserId);
    const legacy = await storedClient(['privacy:manage', 'profiles:read', 'transcripts:read', 'consent:read', 'crm:read']);
    const query = 'query($id: ID!) { privacyAccessExport(requestId: $id) }';
    for (const token of [
      legacy.token,
      await world.env.token({ tenant: 'acme', roles: ['supervisor'] }),
      await world.env.token({ tenant: 'acme', roles: ['agent', 'integrator'] }),
      await world.env.token({ tenant: 'acme', roles: ['analyst'] }),
    ]) {
      const response = await world.as(token).send(query, { id: requestId });
      expectForbidden(response, 'privacyAccessExport');
      expect(JSON.stringify(response)).not.toContain('1980-02-03');
    }
    const exports = await world.stack.subgraphs.identity.dataSource.getRepository(AuditEvent).find({ where: { tenantId: world.acme.id, endUserId, action: 'ACCESS_EXPORTED' as never } });
    expect(exports).toEqual([]);
  });

  it('is handed to a privacy officer and audited as a sensitive read of whole values', async () => {
    const endUserId = await newEndUser();
    const requestId = await accessRequest(endUserId);
    const response = await world.as(officer).send('query($id: ID!) { privacyAccessExport(requestId: $id) }', { id: requestId });
    expect(response.errors).toBeUndefined();
    expect(JSON.parse(response.data.privacyAccessExport).identity.profile).toMatchObject({ ssn: '123-45-6789', dateOfBirth: '1980-02-03' });
    const events = await world.stack.subgraphs.identity.dataSource.getRepository(AuditEvent).find({ where: { tenantId: world.acme.id, endUserId }, order: { id: 'ASC' } });
    const sensitive = events.find((event) => event.action === 'READ_SENSITIVE' && event.reference === requestId);
    expect(sensitive?.fields).toEqual(expect.arrayContaining(['ssn', 'dateOfBirth']));
    expect(sensitive?.actor).toBe('operator:acme-officer');
    expect(events.find((event) => event.action === 'ACCESS_EXPORTED')?.fields).toEqual(['consent', 'crm', 'identity', 'interactions']);
    expect(JSON.stringify(events)).not.toContain('123-45-6789');
  });
});

describe('data assembled over service links', () => {
  it('a CRM client without profiles:read cannot push, match or read live records; links stay readable', async () => {
    const created = await world.as(admin).send(CREATE_CLIENT, { scopes: ['crm:read', 'crm:write'] });
    const { client, clientSecret } = created.data.createApiClient;
    const { access_token: token } = await exchange(client.clientId, clientSecret);
    const endUserId = world.acme.endUserIds[0];
    const links = world.stack.subgraphs.crm.dataSource.getRepository(CrmLink);
    const before = await links.count({ where: { tenantId: world.acme.id } });
    const input = { endUserId, connectionId: '00000000-0000-0000-0000-000000000000' };
    for (const field of ['pushEndUserToCrm', 'matchCrmRecord']) {
      const selection = field === 'pushEndUserToCrm' ? '{ created link { id } }' : '{ id }';
      expectForbidden(await world.as(token).send(`mutation($input: CrmEndUserConnectionInput!) { ${field}(input: $input) ${selection} }`, { input }), field);
    }
    expect(await links.count({ where: { tenantId: world.acme.id } })).toBe(before);
    // Straight to the crm subgraph's _entities, as a router would ask it for the client.
    const signer = await world.env.signer();
    const claims = memberClaims(world.acme, [], { principal: { id: client.clientId, kind: 'api_client', roles: [], scopes: ['crm:read', 'crm:write'] } });
    const entities = await callSubgraph(
      signer,
      'crm',
      world.stack.subgraphUrls.crm,
      claims,
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on EndUser { crmLinks { edges { node { id } } } crmRecords { edges { node { email phone name fields { name value } } } } } } }',
      { r: [{ __typename: 'EndUser', id: endUserId }] },
    );
    expect(codes(entities)).toContain('FORBIDDEN');
    expect(entities.data._entities[0].crmRecords).toBeNull();
    expect(entities.data._entities[0].crmLinks.edges.length).toBeGreaterThan(0);
    expectForbidden(await world.as(token).send('query($id: ID!) { endUser(id: $id) { id } }', { id: endUserId }), 'endUser');
  });

  it('an integrator (profiles:read and crm) still reads live records and pushes', async () => {
    const integrator = await world.env.token({ tenant: 'acme', roles: ['integrator'] });
    const response = await world.as(integrator).send('query($id: ID!) { endUser(id: $id) { id crmLinks { edges { node { id } } } crmRecords { edges { link { id } } } } }', { id: world.acme.endUserIds[0] });
    expect(codes(response)).not.toContain('FORBIDDEN');
    expect(response.data.endUser.id).toBe(world.acme.endUserIds[0]);
  });
});

describe('roles', () => {
  it('grant what the README’s table says, and nothing else', () => {
    expect(ROLE_SCOPES.admin).toEqual(SCOPES);
    expect([...ROLE_SCOPES.supervisor].sort()).toEqual(['consent:read', 'consent:write', 'crm:read', 'metrics:read', 'pii:read', 'profiles:read', 'profiles:write', 'transcripts:read', 'transcripts:write']);
    expect([...ROLE_SCOPES.agent].sort()).toEqual(['consent:read', 'consent:write', 'crm:read', 'profiles:read', 'profiles:write', 'transcripts:read', 'transcripts:write']);
    expect(ROLE_SCOPES.analyst).toEqual(['metrics:read']);
    expect([...ROLE_SCOPES.privacy_officer].sort()).toEqual(['audit:read', 'consent:read', 'crm:read', 'pii:read', 'policy:manage', 'privacy:manage', 'profiles:read', 'transcripts:read']);
    expect([...ROLE_SCOPES.integrator].sort()).toEqual(['crm:read', 'crm:write', 'profiles:read', 'profiles:write']);
  });
});
