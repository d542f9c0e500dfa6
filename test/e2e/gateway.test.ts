import { EndUser } from '../../subgraphs/identity/entities/end-user.entity';
import { codes } from '../helpers/environment';
import { seededStack, type SeededStack } from '../helpers/stack';

let world: SeededStack;
let acmeAdmin: string;
let globexAdmin: string;

beforeAll(async () => {
  world = await seededStack();
  acmeAdmin = await world.env.token({ tenant: 'acme', roles: ['admin'] });
  globexAdmin = await world.env.token({ tenant: 'globex', roles: ['admin'] });
});
afterAll(() => world?.close());

const FULL_PROFILE = `query($id: ID!) {
  endUser(id: $id) {
    id firstName lastName email phone ssn dateOfBirth gender maritalStatus address { city country }
    interactions(first: 5) { edges { node { id channel direction transcript(first: 10) { edges { node { sequence speaker text } } } } } }
    consents { edges { node { purpose granted policyVersionId } } }
    crmLinks { edges { node { externalId method } } }
  }
}`;

describe('gateway over four subgraphs', () => {
  it('answers one operation with fields from all four subgraphs', async () => {
    const id = world.acme.endUserIds[0];
    const response = await world.as(acmeAdmin).send(FULL_PROFILE, { id });
    expect(response.errors).toBeUndefined();
    const endUser = response.data.endUser;
    expect(endUser.id).toBe(id);
    expect(endUser.email).toMatch(/@acme\.example$/);
    expect(endUser.interactions.edges.length).toBeGreaterThan(0);
    expect(endUser.interactions.edges[0].node.transcript.edges.map((e: any) => e.node.sequence)).toEqual([1, 2, 3, 4]);
    expect(endUser.consents.edges.map((e: any) => e.node.purpose).sort()).toEqual(['ANALYTICS', 'CONTACT_EMAIL']);
    expect(endUser.crmLinks.edges).toEqual([{ node: { externalId: 'hs-1000', method: 'MATCHED_EMAIL' } }]);
  });

  it('sends no ETag and no X-Powered-By, from the gateway or a subgraph (no answer is hashed per request)', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    const urls = [world.stack.gatewayUrl, ...Object.values(world.stack.subgraphUrls)];
    for (const url of urls) {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${acmeAdmin}` }, body });
      // A subgraph refuses a caller without a signed context; its answer is still an Express answer.
      expect(response.status).toBeGreaterThanOrEqual(200);
      expect(response.headers.get('etag')).toBeNull();
      expect(response.headers.get('x-powered-by')).toBeNull();
      expect((await response.text()).length).toBeGreaterThan(0);
    }
    const health = await fetch(new URL('/health/live', world.stack.gatewayUrl));
    expect(health.headers.get('etag')).toBeNull();
  });

  it('pages through end-users with cursors', async () => {
    const query = 'query($after: String) { endUsers(first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }';
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const response: any = await world.as(acmeAdmin).send(query, { after });
      seen.push(...response.data.endUsers.edges.map((e: any) => e.node.id));
      if (!response.data.endUsers.pageInfo.hasNextPage) break;
      after = response.data.endUsers.pageInfo.endCursor;
    }
    expect(seen).toEqual(world.acme.endUserIds);
  });

  it('finds an end-user by exact email within the tenant', async () => {
    const { data } = await world.as(acmeAdmin).send(FULL_PROFILE, { id: world.acme.endUserIds[1] });
    const found = await world.as(acmeAdmin).send('query($e: String) { endUsers(filter: { email: $e }) { edges { node { id } } } }', { e: data.endUser.email });
    expect(found.data.endUsers.edges).toEqual([{ node: { id: world.acme.endUserIds[1] } }]);
    const fromGlobex = await world.as(globexAdmin).send('query($e: String) { endUsers(filter: { email: $e }) { edges { node { id } } } }', { e: data.endUser.email });
    expect(fromGlobex.data.endUsers.edges).toEqual([]);
  });
});

describe('tenant isolation through the gateway', () => {
  it('acme cannot read a globex end-user by id: null, as if missing, with nothing from any subgraph', async () => {
    const response = await world.as(acmeAdmin).send(FULL_PROFILE, { id: world.globex.endUserIds[0] });
    expect(response.errors).toBeUndefined();
    expect(response.data.endUser).toBeNull();
    const missing = await world.as(acmeAdmin).send(FULL_PROFILE, { id: '00000000-0000-7000-8000-000000000000' });
    expect(missing.data.endUser).toBeNull();
  });

  it('acme cannot update a globex end-user: NOT_FOUND, and the row is unchanged', async () => {
    const id = world.globex.endUserIds[0];
    const before = await world.stack.subgraphs.identity.dataSource.getRepository(EndUser).findOneByOrFail({ id });
    const response = await world.as(acmeAdmin).send('mutation($id: ID!) { updateEndUser(id: $id, input: { firstName: "Mallory" }) { id } }', { id });
    expect(codes(response)).toEqual(['NOT_FOUND']);
    const after = await world.stack.subgraphs.identity.dataSource.getRepository(EndUser).findOneByOrFail({ id });
    expect(after.firstNameEncrypted).toBe(before.firstNameEncrypted);
  });

  it('acme cannot link its CRM connection to, or record an interaction for, data it cannot see', async () => {
    const response = await world.as(acmeAdmin).send(
      'mutation($input: LinkCrmRecordInput!) { linkCrmRecord(input: $input) { id } }',
      { input: { endUserId: world.acme.endUserIds[0], connectionId: '00000000-0000-7000-8000-000000000001', externalId: 'x-1' } },
    );
    expect(codes(response)).toEqual(['NOT_FOUND']);
  });
});

describe('authentication at the gateway', () => {
  it('refuses data to a caller with no token', async () => {
    const response = await world.as().send('{ me { id } endUsers { edges { node { id } } } }');
    expect(codes(response)).toContain('UNAUTHENTICATED');
    expect(response.data?.endUsers ?? null).toBeNull();
  });

  it('refuses an invalid, expired, or foreign-issuer token with HTTP 401', async () => {
    for (const token of ['not-a-jwt', acmeAdmin.slice(0, -4) + 'AAAA', await world.env.token({ tenant: 'acme', roles: ['admin'], ttlSeconds: -60 })]) {
      const response = await world.as(token).send('{ me { id } }');
      expect(response.status).toBe(401);
      expect(codes(response)).toEqual(['UNAUTHENTICATED']);
    }
  });

  it('refuses a token for a tenant that does not exist', async () => {
    const token = await world.env.token({ tenant: 'initech', roles: ['admin'] });
    const response = await world.as(token).send('{ endUsers { edges { node { id } } } }');
    expect(response.status).toBe(401);
    expect(codes(response)).toEqual(['UNAUTHENTICATED']);
  });

  it('lets a platform operator create a tenant but read no tenant data', async () => {
    const platform = await world.env.token({ platform: true });
    const created = await world.as(platform).send(
      'mutation { createTenant(input: { slug: "initech", name: "Initech", deployment: ON_PREMISES, region: "us-west-2" }) { slug deployment region status } }',
    );
    expect(created.data.createTenant).toEqual({ slug: 'initech', deployment: 'ON_PREMISES', region: 'us-west-2', status: 'ACTIVE' });
    const duplicate = await world.as(platform).send('mutation { createTenant(input: { slug: "initech", name: "I", deployment: ON_PREMISES, region: "us-west-2" }) { slug } }');
    expect(codes(duplicate)).toEqual(['CONFLICT']);
    const read = await world.as(platform).send(FULL_PROFILE, { id: world.acme.endUserIds[0] });
    expect(codes(read)).toContain('FORBIDDEN');
    expect(read.data?.endUser ?? null).toBeNull();
    const tenants = await world.as(acmeAdmin).send('{ tenants { edges { node { slug } } } }');
    expect(codes(tenants)).toEqual(['FORBIDDEN']);
  });
});

describe('writes through the gateway', () => {
  it('creates an end-user and refuses bad input naming the field, writing nothing', async () => {
    const repo = world.stack.subgraphs.identity.dataSource.getRepository(EndUser);
    const count = await repo.count();
    const bad = await world.as(acmeAdmin).send('mutation { createEndUser(input: { firstName: "Eve", email: "not-an-email" }) { id } }');
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(bad.errors![0].extensions!.field).toBe('email');
    const badPhone = await world.as(acmeAdmin).send('mutation { createEndUser(input: { phone: "555-1234" }) { id } }');
    expect(badPhone.errors![0].extensions!.field).toBe('phone');
    const future = await world.as(acmeAdmin).send('mutation { createEndUser(input: { dateOfBirth: "2999-01-01" }) { id } }');
    expect(future.errors![0].extensions!.field).toBe('dateOfBirth');
    expect(await repo.count()).toBe(count);

    const created = await world.as(acmeAdmin).send(
      'mutation { createEndUser(input: { firstName: "Eve", email: "Eve@Example.com", phone: "+14155550123" }) { id email gender } }',
    );
    expect(created.data.createEndUser).toMatchObject({ email: 'eve@example.com', gender: 'UNSPECIFIED' });
    expect(await repo.count()).toBe(count + 1);
    const row = await repo.findOneByOrFail({ id: created.data.createEndUser.id });
    expect(row.tenantId).toBe(world.acme.id);
  });

  it('records an interaction with its transcript and reads it back in order', async () => {
    const recorded = await world.as(acmeAdmin).send(
      `mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { id transcript { edges { node { sequence text } } } } }`,
      {
        input: {
          endUserId: world.acme.endUserIds[0],
          channel: 'CHAT',
          direction: 'INBOUND',
          transcript: [
            { sequence: 2, speaker: 'AGENT', text: 'How can I help?' },
            { sequence: 1, speaker: 'END_USER', text: 'Hi' },
          ],
        },
      },
    );
    expect(recorded.errors).toBeUndefined();
    expect(recorded.data.recordInteraction.transcript.edges.map((e: any) => e.node.text)).toEqual(['Hi', 'How can I help?']);
    const fromGlobex = await world.as(globexAdmin).send('query($id: ID!) { interaction(id: $id) { id } }', { id: recorded.data.recordInteraction.id });
    expect(fromGlobex.data.interaction).toBeNull();
  });
});
