import { randomBytes } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import { generateKeyPair, importJWK, SignJWT } from 'jose';
import { createCoprocessorServer, type CoprocessorRequest, type CoprocessorResponse, type CoprocessorServer, type HeaderMap } from '../../gateway/coprocessor/server';
import type { CoprocessorConfig } from '../../gateway/coprocessor/config';
import { ADMISSION_ENTRY } from '../../gateway/coprocessor/admission-seal';
import type { GraphQLResponse } from '../helpers/environment';
import { seededStack, type SeededStack } from '../helpers/stack';

/**
 * The coprocessor as Apollo Router calls it (payloads in the protocol's documented shapes: version,
 * stage, control, id, headers, body, context, serviceName, uri, method), and the subgraph requests
 * the Router would then send, to the real subgraphs.
 */
let world: SeededStack;
let coprocessor: CoprocessorServer;
let url: string;
const SECRET = randomBytes(32).toString('base64url');
/** The proxy in front of the Router (TRUST_PROXY); the Router adds no hop of its own. */
const EDGE_PROXY = '198.51.100.9';

const hex = () => randomBytes(16).toString('hex');
const rand = () => randomBytes(4).toString('hex');

beforeAll(async () => {
  world = await seededStack({ env: { TRUST_PROXY: 'loopback' } });
  const config: CoprocessorConfig = {
    // Production behaviour (no anonymous callers), over the test stack's keys.
    gateway: { ...world.env.gatewayConfig, production: true, subgraphUrls: world.stack.subgraphUrls, trustProxy: ['198.51.100.0/24'] },
    host: '127.0.0.1',
    port: 0,
    clientAddressHeader: 'x-forwarded-for',
    secret: SECRET,
  };
  coprocessor = await createCoprocessorServer(config);
  url = `${(await coprocessor.listen(0)).url}/${SECRET}`;
});
afterAll(async () => {
  await coprocessor?.close();
  await world?.close();
});

async function call(payload: object, target = url): Promise<{ status: number; body: CoprocessorResponse }> {
  const response = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
  return { status: response.status, body: (await response.json()) as CoprocessorResponse };
}

/** A RouterRequest as the Router sends it with `headers: true, body: true, context: all`. */
function routerRequest(headers: HeaderMap, id = hex()): CoprocessorRequest {
  return {
    version: 1,
    stage: 'RouterRequest',
    control: 'continue',
    id,
    headers: { 'content-type': ['application/json'], host: ['127.0.0.1:4000'], accept: ['*/*'], 'user-agent': ['curl/8.5.0'], ...headers },
    body: JSON.stringify({ query: '{ tenant { slug } }' }),
    context: { entries: { 'accepts-json': false, 'accepts-wildcard': true, 'accepts-multipart': false } },
    path: '/',
    method: 'POST',
  };
}

const from = (address: string) => ({ 'x-forwarded-for': [`${address}, ${EDGE_PROXY}`] });
const auth = (token: string) => ({ authorization: [`Bearer ${token}`] });

/** The Router's context after a RouterRequest: what the coprocessor returned upserted into what it had. */
async function admit(token: string, address = '203.0.113.5', extra: HeaderMap = {}) {
  const request = routerRequest({ ...auth(token), ...from(address), ...extra });
  const { status, body } = await call(request);
  expect(status).toBe(200);
  expect(body.control).toBe('continue');
  return { id: request.id, entries: { ...request.context!.entries, ...body.context?.entries }, answer: body };
}

interface SubgraphBody {
  query: string;
  operationName?: string;
  variables?: Record<string, unknown>;
}

function subgraphRequest(serviceName: string, id: string, entries: Record<string, unknown> | undefined, body: SubgraphBody, headers: HeaderMap = {}): CoprocessorRequest {
  return {
    version: 1,
    stage: 'SubgraphRequest',
    control: 'continue',
    id,
    subgraphRequestId: hex(),
    headers,
    body,
    context: entries ? { entries } : undefined,
    uri: world.stack.subgraphUrls[serviceName as 'identity'],
    method: 'POST',
    serviceName,
  };
}

/** Sends the subgraph request the Router would send with the headers the coprocessor returned. */
async function toSubgraph(subgraph: string, headers: HeaderMap | undefined, body: SubgraphBody): Promise<GraphQLResponse> {
  const flat: Record<string, string> = { 'content-type': 'application/json' };
  for (const [name, values] of Object.entries(headers ?? {})) flat[name] = values.join(', ');
  const response = await fetch(world.stack.subgraphUrls[subgraph as 'identity'], { method: 'POST', headers: flat, body: JSON.stringify(body) });
  return { status: response.status, ...((await response.json()) as object) };
}

/** Admission, the SubgraphRequest stage, then the subgraph itself. */
async function through(token: string, subgraph: string, body: SubgraphBody, address?: string) {
  const { id, entries } = await admit(token, address);
  const signed = await call(subgraphRequest(subgraph, id, entries, body));
  expect(signed.body.control).toBe('continue');
  return toSubgraph(subgraph, signed.body.headers, body);
}

const TENANT: SubgraphBody = { query: 'query Tenant__identity__0{tenant{slug}}', operationName: 'Tenant__identity__0', variables: {} };
const entitiesOf = (ids: string[]): SubgraphBody => ({
  query: 'query Profile__identity__1($representations:[_Any!]!){_entities(representations:$representations){...on EndUser{id email}}}',
  operationName: 'Profile__identity__1',
  variables: { representations: ids.map((id) => ({ __typename: 'EndUser', id })) },
});

function breaks(body: CoprocessorResponse, status: number, code: string) {
  expect(body.control).toEqual({ break: status });
  // RouterRequest answers carry the GraphQL response as JSON text, SubgraphRequest answers as an object.
  const response = (typeof body.body === 'string' ? JSON.parse(body.body) : body.body) as GraphQLResponse;
  expect(response.errors?.map((error) => error.extensions?.code)).toEqual([code]);
  expect(body.context).toBeUndefined();
}

const adminOf = (tenant: string, sub?: string) => world.env.token({ tenant, roles: ['admin'], ...(sub ? { sub } : {}) });

describe('RouterRequest: admission', () => {
  it('admits a valid token: continue, the admission in the context, the protocol fields echoed', async () => {
    const request = routerRequest({ ...auth(await adminOf('acme')), ...from('203.0.113.5') });
    const { status, body } = await call(request);
    expect(status).toBe(200);
    expect(body).toMatchObject({ version: 1, stage: 'RouterRequest', id: request.id, control: 'continue' });
    expect(typeof body.context?.entries[ADMISSION_ENTRY]).toBe('string');
    // The client's request reaches the Router's pipeline otherwise unchanged.
    expect(body.headers?.authorization).toEqual(request.headers!.authorization);
    expect(body.body).toBeUndefined();
  });

  it.each([
    ['no token', async () => ({})],
    ['an expired token', async () => auth(await expiredToken())],
    ['a token signed by another key', async () => auth(await forgedToken())],
    ['a token for a tenant that does not exist', async () => auth(await adminOf(`nowhere-${rand()}`))],
    ['a malformed Authorization header', async () => ({ authorization: ['Basic YWxhZGRpbjpvcGVuc2VzYW1l'] })],
    ['two Authorization headers', async () => ({ authorization: [`Bearer ${await adminOf('acme')}`, `Bearer ${await adminOf('globex')}`] })],
  ])('breaks with 401 UNAUTHENTICATED for %s', async (_name, headers) => {
    const { status, body } = await call(routerRequest({ ...(await headers()), ...from('203.0.113.5') }));
    expect(status).toBe(200);
    breaks(body, 401, 'UNAUTHENTICATED');
  });

  it('breaks with 403 FORBIDDEN for a revoked operator, and admits again once reinstated', async () => {
    const admin = await adminOf('acme', 'acme-coprocessor-admin');
    const subject = `acme-op-${rand()}`;
    const invited = await viaGateway(`mutation { inviteOperator(input: { subject: "${subject}", email: "${subject}@acme.example", roles: [AGENT] }) { id } }`, admin);
    const id = invited.data.inviteOperator.id;
    const token = await world.env.token({ tenant: 'acme', roles: ['agent'], sub: subject });
    await admit(token);
    await viaGateway(`mutation { revokeOperator(id: "${id}") { status } }`, admin);
    breaks((await call(routerRequest({ ...auth(token), ...from('203.0.113.5') }))).body, 403, 'FORBIDDEN');
    await viaGateway(`mutation { reinstateOperator(id: "${id}") { status } }`, admin);
    await admit(token);
  });

  it('breaks with 401 UNAUTHENTICATED for a disabled tenant’s token, and admits again once it is active', async () => {
    const platform = await world.env.token({ platform: true });
    const slug = `t-${rand()}`;
    const created = await viaGateway(`mutation { createTenant(input: { slug: "${slug}", name: "${slug}", deployment: PUBLIC_CLOUD, region: "eu-west-1" }) { id } }`, platform);
    const tenantId = created.data.createTenant.id;
    const token = await adminOf(slug);
    await admit(token);
    await viaGateway(`mutation { setTenantStatus(id: "${tenantId}", status: DISABLED) { status } }`, platform);
    breaks((await call(routerRequest({ ...auth(token), ...from('203.0.113.5') }))).body, 401, 'UNAUTHENTICATED');
    await viaGateway(`mutation { setTenantStatus(id: "${tenantId}", status: ACTIVE) { status } }`, platform);
    await admit(token);
  });

  it('admits an API client’s token from the gateway’s token endpoint, and refuses it 403 once revoked', async () => {
    const admin = await adminOf('acme', 'acme-coprocessor-admin');
    const created = await viaGateway('mutation { createApiClient(input: { name: "coprocessor", scopes: ["profiles:read"] }) { client { id clientId } clientSecret } }', admin);
    const { client, clientSecret } = created.data.createApiClient;
    const issued = await fetch(world.stack.gatewayUrl.replace(/\/graphql$/, '/oauth/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: clientSecret }).toString(),
    });
    const { access_token: token } = (await issued.json()) as { access_token: string };
    const me = { query: 'query Me__identity__0{me{kind}}', operationName: 'Me__identity__0' };
    const response = await through(token, 'identity', me);
    expect(response.errors).toBeUndefined();
    expect(response.data.me.kind).toBe('API_CLIENT');
    await viaGateway(`mutation { revokeApiClient(id: "${client.id}") { status } }`, admin);
    breaks((await call(routerRequest({ ...auth(token), ...from('203.0.113.5') }))).body, 403, 'FORBIDDEN');
  });

  describe('the tenant allowlist, against the address the proxy in front of the Router forwarded', () => {
    let admin: string;
    beforeAll(async () => {
      const slug = `t-${rand()}`;
      await viaGateway(`mutation { createTenant(input: { slug: "${slug}", name: "${slug}", deployment: PUBLIC_CLOUD, region: "eu-west-1" }) { id } }`, await world.env.token({ platform: true }));
      admin = await adminOf(slug);
      await viaGateway('mutation { updateTenantAccessPolicy(input: { mode: ALLOWLIST, cidrs: ["10.0.0.0/8"] }) { id } }', admin, { 'x-forwarded-for': '10.0.0.1' });
    });

    it('admits an address on the list, and the subgraph accepts the signed context', async () => {
      const response = await through(admin, 'identity', TENANT, '10.2.3.4');
      expect(response.errors).toBeUndefined();
      expect(response.data.tenant.slug).toMatch(/^t-/);
    });

    it('breaks with 403 IP_NOT_ALLOWED for an address off the list', async () => {
      breaks((await call(routerRequest({ ...auth(admin), ...from('192.0.2.7') }))).body, 403, 'IP_NOT_ALLOWED');
    });

    it('believes no hop left of the first untrusted one: a client cannot forward itself onto the list', async () => {
      const spoofed = { 'x-forwarded-for': [`10.2.3.4, 192.0.2.7, ${EDGE_PROXY}`] };
      breaks((await call(routerRequest({ ...auth(admin), ...spoofed }))).body, 403, 'IP_NOT_ALLOWED');
      // Without the trusted proxy's hop, the right-most entry is the client itself.
      breaks((await call(routerRequest({ ...auth(admin), 'x-forwarded-for': ['10.2.3.4, 192.0.2.7'] }))).body, 403, 'IP_NOT_ALLOWED');
    });

    it('refuses a request with no forwarded address at all (the proxy did not say who is calling)', async () => {
      breaks((await call(routerRequest({ ...auth(await adminOf('acme')) }))).body, 403, 'IP_NOT_ALLOWED');
      breaks((await call(routerRequest({ ...auth(await adminOf('acme')), 'x-forwarded-for': ['not-an-address'] }))).body, 403, 'IP_NOT_ALLOWED');
    });
  });

  it('lets a CORS preflight through unadmitted, and nothing it could lead to is signed', async () => {
    const preflight = { ...routerRequest({ origin: ['https://app.example'], 'access-control-request-method': ['POST'] }), method: 'OPTIONS', body: '' };
    const { body } = await call(preflight);
    expect(body.control).toBe('continue');
    expect(body.context).toBeUndefined();
    const signed = await call(subgraphRequest('identity', preflight.id, preflight.context!.entries, TENANT));
    breaks(signed.body, 401, 'UNAUTHENTICATED');
  });

  it('drops context headers a client sent, so no propagation rule can pass them on', async () => {
    const { answer } = await admit(await adminOf('acme'), '203.0.113.5', { 'x-cx-context': ['eyJhbGciOiJIUzI1NiJ9.e30.forged'], 'X-CX-Deadline-Ms': ['999999'] });
    expect(Object.keys(answer.headers ?? {})).not.toContain('x-cx-context');
    expect(Object.keys(answer.headers ?? {})).not.toContain('x-cx-deadline-ms');
    expect(answer.headers?.authorization).toBeDefined();
  });
});

describe('SubgraphRequest: the signed context for one subgraph and body', () => {
  it('gives the subgraph what the gateway gives it: it answers for the admitted tenant', async () => {
    const response = await through(await adminOf('acme'), 'identity', TENANT);
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ tenant: { slug: 'acme' } });
  });

  it('binds variables too: entities of the admitted tenant resolve, another tenant’s are null', async () => {
    const ids = [world.acme.endUserIds[0], world.globex.endUserIds[0]];
    const response = await through(await adminOf('acme'), 'identity', entitiesOf(ids));
    expect(response.errors).toBeUndefined();
    expect(response.data._entities[0]).toMatchObject({ id: ids[0], email: expect.stringMatching(/@acme\.example$/) });
    expect(response.data._entities[1]).toBeNull();
  });

  it('signs every subgraph of the supergraph, each with its own key', async () => {
    const token = await adminOf('acme');
    const { id, entries } = await admit(token);
    for (const subgraph of ['identity', 'interactions', 'consent', 'crm']) {
      const body = { query: `query Probe__${subgraph}__0{__typename}`, operationName: `Probe__${subgraph}__0` };
      const signed = await call(subgraphRequest(subgraph, id, entries, body));
      const response = await toSubgraph(subgraph, signed.body.headers, body);
      expect([subgraph, response.status, response.data]).toEqual([subgraph, 200, { __typename: 'Query' }]);
    }
  });

  it('sends the request id and a deadline with the context, and keeps the Router’s other headers', async () => {
    const { id, entries } = await admit(await adminOf('acme'));
    const signed = await call(subgraphRequest('identity', id, entries, TENANT, { 'apollographql-client-name': ['web'], 'x-request-id': ['client-chosen-id'] }));
    const headers = signed.body.headers!;
    expect(headers['apollographql-client-name']).toEqual(['web']);
    expect(headers['x-request-id']).toHaveLength(1);
    expect(headers['x-request-id'][0]).not.toBe('client-chosen-id');
    expect(Number(headers['x-cx-deadline-ms'][0])).toBeGreaterThan(0);
  });

  it('the digest is of the parsed body: the Router’s own serialization of the same body is accepted', async () => {
    const { id, entries } = await admit(await adminOf('acme'));
    const body = entitiesOf([world.acme.endUserIds[0]]);
    const signed = await call(subgraphRequest('identity', id, entries, body));
    // As serde_json might write it: other whitespace and escapes, and an extensions member.
    const text = JSON.stringify({ ...body, extensions: {} }, null, 1).replace('"EndUser"', '"\\u0045nd\\u0055ser"');
    expect(text).toContain('\\u0045nd');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const [name, values] of Object.entries(signed.body.headers ?? {})) headers[name] = values.join(', ');
    const response = await fetch(world.stack.subgraphUrls.identity, { method: 'POST', headers, body: text });
    const answer = (await response.json()) as GraphQLResponse;
    expect(response.status).toBe(200);
    expect(answer.data._entities[0].id).toBe(world.acme.endUserIds[0]);
  });

  it('a changed body is refused by the subgraph: the digest binds query and variables', async () => {
    const token = await adminOf('acme');
    const { id, entries } = await admit(token);
    const signedFor = entitiesOf([world.globex.endUserIds[0]]);
    const signed = await call(subgraphRequest('identity', id, entries, signedFor));
    const tampered = entitiesOf([world.acme.endUserIds[0]]);
    const refused = await toSubgraph('identity', signed.body.headers, tampered);
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(refused.data ?? null).toBeNull();
  });

  it('a context minted for another subgraph is refused', async () => {
    const { id, entries } = await admit(await adminOf('acme'));
    const signed = await call(subgraphRequest('interactions', id, entries, TENANT));
    const refused = await toSubgraph('identity', signed.body.headers, TENANT);
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('a signed context is accepted once: the same headers replayed are refused', async () => {
    const { id, entries } = await admit(await adminOf('acme'));
    const signed = await call(subgraphRequest('identity', id, entries, TENANT));
    expect((await toSubgraph('identity', signed.body.headers, TENANT)).status).toBe(200);
    const replayed = await toSubgraph('identity', signed.body.headers, TENANT);
    expect(replayed.status).toBe(401);
    expect(replayed.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('replaces a context header the client set (Router propagating every header): the client’s is never sent, and is refused alone', async () => {
    const { id, entries } = await admit(await adminOf('acme'));
    const forged = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0ZW5hbnQiOm51bGx9.AAAA';
    const signed = await call(subgraphRequest('identity', id, entries, TENANT, { 'x-cx-context': [forged], 'x-cx-deadline-ms': ['999999999'] }));
    const headers = signed.body.headers!;
    expect(headers['x-cx-context']).toHaveLength(1);
    expect(headers['x-cx-context'][0]).not.toBe(forged);
    expect(Number(headers['x-cx-deadline-ms'][0])).toBeLessThan(999999999);
    const direct = await toSubgraph('identity', { 'x-cx-context': [forged] }, TENANT);
    expect(direct.status).toBe(401);
    expect(direct.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a SubgraphRequest with no admission, a forged one, or another request’s', async () => {
    const { id, entries } = await admit(await adminOf('acme'));
    const sealed = entries[ADMISSION_ENTRY] as string;
    // Another tenant's claims under the old MAC.
    const [payload, mac] = sealed.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    claims.claims.tenant = { id: world.globex.id, slug: 'globex' };
    const rewritten = `${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${mac}`;
    const cases: [string, string, Record<string, unknown> | undefined][] = [
      ['no context sent', id, undefined],
      ['no admission entry', id, { 'accepts-json': false }],
      ['a rewritten admission', id, { ...entries, [ADMISSION_ENTRY]: rewritten }],
      ['an admission entry a client could have chosen', id, { ...entries, [ADMISSION_ENTRY]: { tenant: 'acme', roles: ['admin'] } }],
      ['another request’s admission', hex(), entries],
    ];
    for (const [name, requestId, context] of cases) {
      const { body } = await call(subgraphRequest('identity', requestId, context, TENANT));
      expect([name, body.control]).toEqual([name, { break: 401 }]);
      expect([name, (body.body as GraphQLResponse).errors?.[0].extensions?.code]).toEqual([name, 'UNAUTHENTICATED']);
      expect(body.headers).toBeUndefined();
    }
  });

  it('refuses to sign for a service that is not one of the subgraphs, or without the body and headers it must see', async () => {
    const { id, entries } = await admit(await adminOf('acme'));
    const unknown = await call(subgraphRequest('billing', id, entries, TENANT));
    const noBody = await call({ ...subgraphRequest('identity', id, entries, TENANT), body: undefined });
    const noHeaders = await call({ ...subgraphRequest('identity', id, entries, TENANT), headers: undefined });
    for (const { body } of [unknown, noBody, noHeaders]) {
      expect(body.control).toEqual({ break: 500 });
      expect(body.headers).toBeUndefined();
    }
  });
});

describe('the request budget', () => {
  it('breaks with 429 RATE_LIMITED and Retry-After once the tenant’s budget is spent', async () => {
    const limited = await createCoprocessorServer({
      gateway: { ...world.env.gatewayConfig, production: true, subgraphUrls: world.stack.subgraphUrls, limits: { ...world.env.gatewayConfig.limits, requestsPerWindow: 2 } },
      host: '127.0.0.1',
      port: 0,
      clientAddressHeader: 'x-forwarded-for',
    });
    try {
      const target = (await limited.listen(0)).url;
      const token = await adminOf('globex');
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push((await call(routerRequest({ ...auth(token), 'x-forwarded-for': ['203.0.113.5'] }), target)).body);
      expect(answers.slice(0, 2).map((answer) => answer.control)).toEqual(['continue', 'continue']);
      breaks(answers[2], 429, 'RATE_LIMITED');
      expect(Number(answers[2].headers?.['retry-after']?.[0])).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

describe('identity not answering', () => {
  it('breaks with 503 UNAVAILABLE: nobody is admitted unchecked', async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const cut = await createCoprocessorServer({
      gateway: { ...world.env.gatewayConfig, production: true, subgraphUrls: { ...world.stack.subgraphUrls, identity: `http://127.0.0.1:${closed}/graphql` } },
      host: '127.0.0.1',
      port: 0,
      clientAddressHeader: 'x-forwarded-for',
    });
    try {
      const target = (await cut.listen(0)).url;
      const { body } = await call(routerRequest({ ...auth(await adminOf('acme')), 'x-forwarded-for': ['203.0.113.5'] }), target);
      breaks(body, 503, 'UNAVAILABLE');
    } finally {
      await cut.close();
    }
  });
});

describe('the endpoint', () => {
  it('answers only at its secret path', async () => {
    const base = url.slice(0, url.lastIndexOf('/'));
    const request = routerRequest({ ...auth(await adminOf('acme')), ...from('203.0.113.5') });
    expect((await call(request, base)).status).toBe(404);
    expect((await call(request, `${base}/${randomBytes(32).toString('base64url')}`)).status).toBe(404);
    expect((await call(request, url)).status).toBe(200);
  });

  it('refuses what is not a version 1 coprocessor request, and leaves stages it does not handle unchanged', async () => {
    expect((await call({ stage: 'RouterRequest', id: hex() })).status).toBe(400);
    const response = { version: 1, stage: 'SubgraphResponse', control: 'continue', id: hex(), subgraphRequestId: hex(), serviceName: 'identity', headers: {}, statusCode: 200, body: { data: { tenant: null } } };
    const { status, body } = await call(response);
    expect(status).toBe(200);
    expect(body).toEqual({ version: 1, stage: 'SubgraphResponse', control: 'continue', id: response.id, subgraphRequestId: response.subgraphRequestId, serviceName: 'identity' });
  });
});

async function viaGateway(query: string, token: string, headers: Record<string, string> = {}) {
  const response = await world.as(token, headers).send(query);
  expect(response.errors).toBeUndefined();
  return response;
}

async function expiredToken(): Promise<string> {
  const { gatewayConfig, keys } = world.env;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ tenant: 'acme', roles: ['admin'] })
    .setProtectedHeader({ alg: 'ES256', ...(keys.accessToken.privateJwk.kid ? { kid: keys.accessToken.privateJwk.kid } : {}) })
    .setIssuer(gatewayConfig.tokenIssuer)
    .setAudience(gatewayConfig.tokenAudience)
    .setSubject('acme-admin')
    .setIssuedAt(now - 3600)
    .setExpirationTime(now - 60)
    .sign(await importJWK(keys.accessToken.privateJwk, 'ES256'));
}

async function forgedToken(): Promise<string> {
  const { gatewayConfig, keys } = world.env;
  const { privateKey } = await generateKeyPair('ES256');
  return new SignJWT({ tenant: 'acme', roles: ['admin'] })
    .setProtectedHeader({ alg: 'ES256', ...(keys.accessToken.privateJwk.kid ? { kid: keys.accessToken.privateJwk.kid } : {}) })
    .setIssuer(gatewayConfig.tokenIssuer)
    .setAudience(gatewayConfig.tokenAudience)
    .setSubject('acme-admin')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
}
