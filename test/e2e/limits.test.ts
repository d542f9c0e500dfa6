import { SignedContextDataSource } from '../../gateway/signed-data-source';
import { bearer, codes } from '../helpers/environment';
import { seededStack, type SeededStack } from '../helpers/stack';
import { httpClient } from '../helpers/graphql';

let world: SeededStack;
let acme: string;
let globex: string;
const fetches = jest.spyOn(SignedContextDataSource.prototype, 'process');

beforeAll(async () => {
  world = await seededStack({
    endUsersPerTenant: 3,
    env: { QUERY_MAX_DEPTH: '9', QUERY_MAX_ALIASES: '5', QUERY_MAX_TOKENS: '400', QUERY_MAX_DIRECTIVES: '5', RATE_LIMIT_REQUESTS: '200', RATE_LIMIT_COST: '100000' },
  });
  acme = await world.env.token({ tenant: 'acme', roles: ['admin'] });
  globex = await world.env.token({ tenant: 'globex', roles: ['admin'] });
});
afterAll(() => world?.close());

/** The gateway as one caller. */
const as = (token: string) => httpClient(world.stack.gatewayUrl, token);

describe('query limits at the gateway', () => {
  const cases: [string, string][] = [
    ['over-deep', '{ endUsers { edges { node { interactions { edges { node { transcript { edges { node { speaker text } } } } } } } } } }'],
    ['over-costly', '{ endUsers(first: 100) { edges { node { interactions(first: 100) { edges { node { id channel queue } } } } } } }'],
    ['alias-flooding', `{ ${Array.from({ length: 8 }, (_, i) => `a${i}: me { id }`).join(' ')} }`],
    ['token-flooding', `{ me { ${Array.from({ length: 500 }, () => 'id').join(' ')} } }`],
    ['directive-flooding', `{ me { id ${Array.from({ length: 8 }, () => '@include(if: true)').join(' ')} } }`],
    ['huge-page', '{ endUsers(first: 2147483647) { edges { node { id } } } }'],
    ['over-32-bit-page', '{ endUsers(first: 2147483648) { edges { node { id } } } }'],
    ['fractional-page', '{ endUsers(first: 2.5) { edges { node { id } } } }'],
    ['string-page', '{ endUsers(first: "100") { edges { node { id } } } }'],
  ];

  it.each(cases)('refuses an %s query before any subgraph is called', async (_label, query) => {
    fetches.mockClear();
    const response = await as(acme).send(query);
    expect(response.status).toBe(400);
    expect(codes(response)[0]).toMatch(/^GRAPHQL_(VALIDATION|PARSE)_FAILED$/);
    expect(response.data).toBeUndefined();
    expect(fetches).not.toHaveBeenCalled();
  });

  const attack = 'endUsers(first: 100) { edges { node { interactions(first: 100) { edges { node { id channel queue } } } } } }';
  const bypasses: [string, string, Record<string, unknown>][] = [
    ['a negative `first` on a sibling alias', `{ ${attack} cheap: endUsers(first: -100000) { edges { node { id } } } }`, {}],
    ['a zero `first` on a sibling alias', `{ ${attack} cheap: endUsers(first: 0) { edges { node { id } } } }`, {}],
    ['a negative `first` in a variable', `query($n: Int) { ${attack} cheap: endUsers(first: $n) { edges { node { id } } } }`, { n: -2147483648 }],
    ['a negative `first` in a fragment', `{ ...A ...B } fragment A on Query { ${attack} } fragment B on Query { cheap: endUsers(first: -9999) { edges { node { id } } } }`, {}],
    ['a negative `first` in an inline fragment under @include', `{ ... on Query @include(if: true) { ${attack} } ... on Query { cheap: endUsers(first: -9999) { edges { node { id } } } } }`, {}],
    ['a cheap operation named beside it', `query Dear { ${attack} } query Cheap { me { id } }`, {}],
  ];

  it.each(bypasses)('refuses the costly query despite %s, before any subgraph is called', async (_label, query, variables) => {
    fetches.mockClear();
    const response = await fetch(world.stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(acme) },
      body: JSON.stringify({ query, variables, operationName: /query Dear/.test(query) ? 'Dear' : undefined }),
    });
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(response.status).toBe(400);
    expect(body.errors.map((e) => e.extensions.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(body.errors[0].message).toMatch(/exceeds the limit/);
    expect(fetches).not.toHaveBeenCalled();
  });

  it.each([
    ['__typename aliases', `{ ${Array.from({ length: 8 }, (_, i) => `t${i}: __typename`).join(' ')} }`],
    ['__typename aliases inside a list', `{ endUsers { edges { node { ${Array.from({ length: 8 }, (_, i) => `t${i}: __typename`).join(' ')} } } } }`],
    ['aliases spread by fragments', `{ ...F ...G } fragment F on Query { a: me { id } b: me { id } c: me { id } } fragment G on Query { d: me { id } e: me { id } f: me { id } }`],
    ['aliases of introspection', `{ ${Array.from({ length: 6 }, (_, i) => `s${i}: __schema { queryType { name } }`).join(' ')} }`],
    ['introspection nesting the schema into itself', '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }'],
  ])('refuses %s over the limits (development mode) before any subgraph is called', async (_label, query) => {
    fetches.mockClear();
    const response = await as(acme).send(query);
    expect(response.status).toBe(400);
    expect(codes(response)[0]).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(fetches).not.toHaveBeenCalled();
  });

  it.each([[2.5], ['100'], [true], [[5]], [1e12]])('answers a page-size variable %p of the wrong type BAD_USER_INPUT (400), never a server error', async (n) => {
    fetches.mockClear();
    const response = await as(acme).send('query($n: Int) { endUsers(first: $n) { edges { node { id } } } }', { n });
    expect(response.status).toBe(400);
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(fetches).not.toHaveBeenCalled();
  });

  it.each([[-1], [0], [101]])('answers a page size %p out of range BAD_USER_INPUT naming `first`', async (n) => {
    const response = await as(acme).send('query($n: Int) { endUsers(first: $n) { edges { node { id } } } }', { n });
    expect(response.errors).toEqual([expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', field: 'first' } })]);
  });

  it('prices page sizes given as variables: a costly query cannot hide its size in a variable', async () => {
    fetches.mockClear();
    const query = 'query($n: Int) { endUsers(first: $n) { edges { node { interactions(first: $n) { edges { node { id channel queue } } } } } } }';
    const refused = await as(acme).send(query, { n: 100 });
    expect(refused.status).toBe(400);
    expect(codes(refused)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(refused.errors![0].message).toMatch(/exceeds the limit of 20000/);
    expect(fetches).not.toHaveBeenCalled();
    const small = await as(acme).send(query, { n: 2 });
    expect(small.errors).toBeUndefined();
    expect(fetches).toHaveBeenCalled();
  });

  it('answers a list of 50 end-users with their interactions', async () => {
    const response = await as(acme).send('{ endUsers(first: 50) { edges { node { id firstName lastName interactions(first: 5) { edges { node { id channel startedAt disposition } } } } } } }');
    expect(response.errors).toBeUndefined();
  });

  it('answers an ordinary federated query within the same limits', async () => {
    fetches.mockClear();
    const response = await as(globex).send('{ endUsers(first: 3) { edges { node { email consents { edges { node { purpose } } } interactions(first: 3) { edges { node { channel } } } } } } }');
    expect(response.errors).toBeUndefined();
    expect(fetches).toHaveBeenCalled();
  });

  it.each([['/graphql'], ['/widget/graphql']])('does not take batched HTTP requests on %s: a GraphQL-shaped refusal', async (path) => {
    fetches.mockClear();
    const response = await fetch(new URL(path, world.stack.gatewayUrl), {
      method: 'POST',
      // globex: acme's request budget is the one the rate-limit test spends.
      headers: { 'content-type': 'application/json', ...bearer(globex) },
      body: JSON.stringify(Array.from({ length: 50 }, () => ({ query: '{ me { id } }' }))),
    });
    // The widget path refuses a bearer token before it reads the body.
    expect(response.status).toBe(path === '/graphql' ? 400 : 401);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe(path === '/graphql' ? 'BAD_REQUEST' : 'UNAUTHENTICATED');
    expect(fetches).not.toHaveBeenCalled();
  });
});

describe('per-tenant rate limits', () => {
  it('limits a tenant over its request budget with RATE_LIMITED and Retry-After, while another tenant goes on', async () => {
    let limited: Response | undefined;
    for (let i = 0; i < 250 && !limited; i++) {
      const response = await fetch(world.stack.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...bearer(acme) },
        body: JSON.stringify({ query: '{ me { id } }' }),
      });
      if (response.status === 429) limited = response;
    }
    expect(limited).toBeDefined();
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await limited!.json()) as { errors: { extensions: { code: string; retryAfter: number } }[] };
    expect(body.errors[0].extensions).toEqual({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    const other = await as(globex).send('{ me { id } }');
    expect(other.errors).toBeUndefined();
  });
});

describe('per-tenant cost budget', () => {
  let costly: SeededStack;
  beforeAll(async () => {
    // A query limit high enough that the budget, not the per-query limit, is what refuses.
    costly = await seededStack({ endUsersPerTenant: 2, env: { RATE_LIMIT_COST: '50000', QUERY_MAX_COST: '1000000' } });
  });
  afterAll(() => costly?.close());

  it('charges each operation its cost (page sizes multiply) and refuses the tenant once spent', async () => {
    const token = await costly.env.token({ tenant: 'acme', roles: ['admin'] });
    const other = await costly.env.token({ tenant: 'globex', roles: ['admin'] });
    // About 100 × 100 × 3: a few of these spend a 50,000 budget; `{ me { id } }` costs 2.
    const heavy = '{ endUsers(first: 100) { edges { node { consents(first: 100) { edges { node { purpose } } } } } } }';
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await httpClient(costly.stack.gatewayUrl, token).send(heavy)).status);
    expect(statuses[0]).toBe(200);
    expect(statuses).toContain(429);
    const refused = await httpClient(costly.stack.gatewayUrl, token).send(heavy);
    expect(codes(refused)).toEqual(['RATE_LIMITED']);
    expect((await httpClient(costly.stack.gatewayUrl, other).send('{ me { id } }')).errors).toBeUndefined();
  });
});
