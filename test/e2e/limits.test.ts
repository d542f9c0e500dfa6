import { SignedContextDataSource } from '../../gateway/signed-data-source';
import { bearer, codes, postGraphQL } from '../helpers/environment';
import { seededStack, type SeededStack } from '../helpers/stack';

let world: SeededStack;
let acme: string;
let globex: string;
const fetches = jest.spyOn(SignedContextDataSource.prototype, 'willSendRequest');

beforeAll(async () => {
  world = await seededStack({
    endUsersPerTenant: 3,
    env: { QUERY_MAX_DEPTH: '9', QUERY_MAX_ALIASES: '5', QUERY_MAX_TOKENS: '400', QUERY_MAX_DIRECTIVES: '5', RATE_LIMIT_REQUESTS: '30', RATE_LIMIT_COST: '100000' },
  });
  acme = await world.env.token({ tenant: 'acme', roles: ['admin'] });
  globex = await world.env.token({ tenant: 'globex', roles: ['admin'] });
});
afterAll(() => world?.close());

const gql = (query: string, token: string, variables?: Record<string, unknown>) =>
  postGraphQL(world.stack.gatewayUrl, query, variables, bearer(token));

describe('query limits at the gateway', () => {
  const cases: [string, string][] = [
    ['over-deep', '{ endUsers { edges { node { interactions { edges { node { transcript { edges { node { speaker text } } } } } } } } } }'],
    ['over-costly', '{ endUsers(first: 100) { edges { node { interactions(first: 100) { edges { node { id channel queue } } } } } } }'],
    ['alias-flooding', `{ ${Array.from({ length: 8 }, (_, i) => `a${i}: me { id }`).join(' ')} }`],
    ['token-flooding', `{ me { ${Array.from({ length: 500 }, () => 'id').join(' ')} } }`],
    ['directive-flooding', `{ me { id ${Array.from({ length: 8 }, () => '@include(if: true)').join(' ')} } }`],
  ];

  it.each(cases)('refuses an %s query before any subgraph is called', async (_label, query) => {
    fetches.mockClear();
    const response = await gql(query, acme);
    expect(response.status).toBe(400);
    expect(codes(response)[0]).toMatch(/^GRAPHQL_(VALIDATION|PARSE)_FAILED$/);
    expect(response.data).toBeUndefined();
    expect(fetches).not.toHaveBeenCalled();
  });

  it('prices page sizes given as variables: a costly query cannot hide its size in a variable', async () => {
    fetches.mockClear();
    const query = 'query($n: Int) { endUsers(first: $n) { edges { node { interactions(first: $n) { edges { node { id channel queue } } } } } } }';
    const refused = await gql(query, acme, { n: 100 });
    expect(refused.status).toBe(400);
    expect(codes(refused)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(refused.errors![0].message).toMatch(/exceeds the limit of 20000/);
    expect(fetches).not.toHaveBeenCalled();
    const small = await gql(query, acme, { n: 2 });
    expect(small.errors).toBeUndefined();
    expect(fetches).toHaveBeenCalled();
  });

  it('answers a list of 50 end-users with their interactions', async () => {
    const response = await gql('{ endUsers(first: 50) { edges { node { id firstName lastName interactions(first: 5) { edges { node { id channel startedAt disposition } } } } } } }', acme);
    expect(response.errors).toBeUndefined();
  });

  it('answers an ordinary federated query within the same limits', async () => {
    fetches.mockClear();
    const response = await gql('{ endUsers(first: 3) { edges { node { email consents { edges { node { purpose } } } interactions(first: 3) { edges { node { channel } } } } } } }', globex);
    expect(response.errors).toBeUndefined();
    expect(fetches).toHaveBeenCalled();
  });

  it('does not take batched HTTP requests', async () => {
    const response = await fetch(world.stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(acme) },
      body: JSON.stringify([{ query: '{ me { id } }' }, { query: '{ me { id } }' }]),
    });
    expect(response.status).toBe(400);
  });
});

describe('per-tenant rate limits', () => {
  it('limits a tenant over its request budget with RATE_LIMITED and Retry-After, while another tenant goes on', async () => {
    let limited: Response | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
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
    const other = await gql('{ me { id } }', globex);
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
    for (let i = 0; i < 5; i++) statuses.push((await postGraphQL(costly.stack.gatewayUrl, heavy, undefined, bearer(token))).status);
    expect(statuses[0]).toBe(200);
    expect(statuses).toContain(429);
    const refused = await postGraphQL(costly.stack.gatewayUrl, heavy, undefined, bearer(token));
    expect(codes(refused)).toEqual(['RATE_LIMITED']);
    expect((await postGraphQL(costly.stack.gatewayUrl, '{ me { id } }', undefined, bearer(other))).errors).toBeUndefined();
  });
});
