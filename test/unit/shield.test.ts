import fc from 'fast-check';
import { buildSchema, graphql, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { and, allow, chain, deny, not, or, race, rule, shield as graphqlShield, type IRules } from 'graphql-shield';
import { can, isTenantMember, shieldOptions } from '../../subgraphs/kit/auth/rules';
import type { RequestClaims } from '../../platform/contracts/signed-context';
import { dependsOnContextOnly, shield } from '../../subgraphs/kit/auth/shield';
import { SubgraphContext, type ProcessDeps } from '../../subgraphs/kit/context';

const SDL = `
  type Query { items(n: Int!): [Item!]! item: Item }
  type Item { id: ID! owner: String! secret: String detail: Detail }
  type Detail { note: String }
`;
/**
 * Every field nullable: an error nulls its field alone, so every error reaches the response. With
 * non-null fields an error nulls its parents, and which other errors still make it into the
 * response depends on when each settles, with graphql-shield as with any asynchronous resolver.
 */
const NULLABLE_SDL = SDL.replace(/!/g, '');

interface Row { id: string; owner: string; secret: string }
const rows = (n: number): Row[] => Array.from({ length: n }, (_, i) => ({ id: `i${i}`, owner: i % 3 === 0 ? 'ann' : 'bob', secret: `s${i}` }));
const resolvers: Record<string, Record<string, GraphQLFieldResolver<unknown, unknown, Record<string, unknown>>>> = {
  Query: { items: (_p, args) => rows(args.n as number), item: () => rows(1)[0] },
  Item: {
    // Async like a real resolver: a decrypted field, say.
    secret: async (parent) => (parent as Row).secret,
    detail: (parent) => ({ note: `note of ${(parent as Row).id}` }),
  },
};

function schemaWith(tree: IRules, fast: boolean, options: Parameters<typeof graphqlShield>[1] = { fallbackRule: deny, allowExternalErrors: true }, sdl = SDL): GraphQLSchema {
  const schema = buildSchema(sdl);
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName) as import('graphql').GraphQLObjectType;
    for (const [fieldName, resolve] of Object.entries(fields)) type.getFields()[fieldName].resolve = resolve;
  }
  return applyMiddleware(schema, fast ? shield(tree, options) : graphqlShield(tree, options));
}

/** Data, and errors in path order (shield answers asynchronously, so its errors arrive in another order). */
async function run(schema: GraphQLSchema, query: string, contextValue: object) {
  const result = await graphql({ schema, source: query, contextValue });
  const errors = (result.errors ?? []).map((error) => `${error.path?.join('.')}: ${error.message}`).sort();
  return { data: result.data, errors };
}

const claimsFor = (roles: string[], tenant: { id: string; slug: string } | null = { id: 't-acme', slug: 'acme' }): RequestClaims => ({
  requestId: Math.random().toString(36).slice(2),
  tenant,
  principal: tenant ? { id: 'tester', kind: 'operator', roles, scopes: [] } : { id: 'ops', kind: 'platform', roles: [], scopes: [] },
  clientIp: '127.0.0.1',
  accessPolicy: { mode: 'EVERYONE', cidrs: [] },
});
const contextFor = (claims: RequestClaims) => new SubgraphContext(claims, {} as ProcessDeps, () => ({}));

describe('shield on lists', () => {
  it('gives the same data and errors as graphql-shield for any mix of rules (context-only, per object, logic)', async () => {
    let calls = 0;
    const flag = (name: string, answer: boolean | 'error') =>
      rule(name, { cache: 'contextual' })((_p, _a, ctx: { flags: Record<string, boolean> }) => {
        calls++;
        if (answer === 'error') return new Error(`${name} refused`);
        return answer ? true : ctx.flags[name] === true;
      });
    const leaves = {
      yes: flag('yes', true),
      no: flag('no', false),
      refuses: flag('refuses', 'error'),
      admin: flag('admin', false),
      throws: rule('throws', { cache: 'contextual' })(() => {
        throw new Error('rule bug');
      }),
      async: rule('async', { cache: 'contextual' })(async (_p, _a, ctx: { flags: Record<string, boolean> }) => ctx.flags.admin === true || new Error('async refused')),
      asString: rule('asString', { cache: 'contextual' })(() => 'refused as text'),
      owner: rule('owner')((parent: Row, _a, ctx: { user: string }) => parent.owner === ctx.user || new Error('not yours')),
      strictOwner: rule('strictOwner', { cache: 'strict' })((parent: Row, _a, ctx: { user: string }) => parent.owner === ctx.user),
      allow,
      deny,
    };
    const leaf = fc.constantFrom(...Object.values(leaves));
    const { tree: ruleArb } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('logic')),
      logic: fc.oneof(
        fc.array(tie('tree'), { minLength: 1, maxLength: 3 }).map((rules) => and(...(rules as never[]))),
        fc.array(tie('tree'), { minLength: 1, maxLength: 3 }).map((rules) => or(...(rules as never[]))),
        fc.array(tie('tree'), { minLength: 1, maxLength: 2 }).map((rules) => chain(...(rules as never[]))),
        fc.array(tie('tree'), { minLength: 1, maxLength: 2 }).map((rules) => race(...(rules as never[]))),
        tie('tree').map((inner) => not(inner as never)),
        tie('tree').map((inner) => not(inner as never, new Error('negated'))),
      ),
    }));
    const maybe = fc.option(ruleArb, { nil: undefined });
    await fc.assert(
      fc.asyncProperty(
        fc.record({ items: maybe, item: maybe }),
        fc.record({ id: maybe, owner: maybe, secret: maybe, detail: maybe, wildcard: maybe }),
        fc.option(ruleArb, { nil: undefined }),
        fc.record({ admin: fc.boolean(), no: fc.boolean() }),
        fc.constantFrom('ann', 'bob'),
        fc.boolean(),
        async (queryRules, itemRules, detailRule, flags, user, allowExternalErrors) => {
          const strip = <T extends object>(map: T) => Object.fromEntries(Object.entries(map).filter(([, v]) => v !== undefined));
          const { wildcard, ...fields } = itemRules;
          const tree = {
            Query: strip(queryRules),
            Item: strip({ ...fields, '*': wildcard }),
            ...(detailRule ? { Detail: detailRule } : {}),
          } as unknown as IRules;
          const options = { fallbackRule: deny, allowExternalErrors, fallbackError: 'Not allowed' } as never;
          const query = '{ items(n: 7) { id owner secret detail { note } } item { id secret } }';
          const expected = await run(schemaWith(tree, false, options, NULLABLE_SDL), query, { flags, user });
          const actual = await run(schemaWith(tree, true, options, NULLABLE_SDL), query, { flags, user });
          expect(actual).toEqual(expected);
          const strict = await run(schemaWith(tree, false, options), query, { flags, user });
          const fast = await run(schemaWith(tree, true, options), query, { flags, user });
          expect(fast.data).toEqual(strict.data);
          expect(fast.errors.length > 0).toBe(strict.errors.length > 0);
        },
      ),
      { numRuns: 150 },
    );
    expect(calls).toBeGreaterThan(0);
  });

  it('runs a context-only rule once per request, however many rows and fields it guards, and again for the next request', async () => {
    let calls = 0;
    const member = rule('member', { cache: 'contextual' })((_p, _a, ctx: { member: boolean }) => {
      calls++;
      return ctx.member || new Error('members only');
    });
    const schema = schemaWith({ Query: { items: member }, Item: member, Detail: member }, true);
    const first = await run(schema, '{ items(n: 100) { id owner secret detail { note } } }', { member: true });
    expect(first.errors).toEqual([]);
    expect((first.data!.items as unknown[]).length).toBe(100);
    expect(calls).toBe(1);
    const second = await run(schema, '{ items(n: 100) { id } }', { member: false });
    expect(calls).toBe(2);
    expect(second.data).toBeNull();
    expect(second.errors).toEqual(['items: members only']);
  });

  it('walks a context-only rule tree once per request and rule, not once per field per row', async () => {
    const member = rule('walked-member', { cache: 'contextual' })((_p, _a, ctx: { member: boolean }) => ctx.member || new Error('members only'));
    const reader = rule('walked-reader', { cache: 'contextual' })((_p, _a, ctx: { reader: boolean }) => ctx.reader);
    const rowRule = and(member, or(reader, not(member)));
    const walked = jest.spyOn(member as unknown as { executeRule: (...args: unknown[]) => unknown }, 'executeRule');
    const schema = schemaWith({ Query: { items: member }, Item: rowRule, Detail: rowRule }, true, { fallbackRule: deny, allowExternalErrors: true }, NULLABLE_SDL);
    const allowed = await run(schema, '{ items(n: 100) { id owner secret detail { note } } }', { member: true, reader: true });
    expect(allowed.errors).toEqual([]);
    // Query.items' rule once, the rows' rule once: it reads `member` twice (in the `and` and in the `not`).
    expect(walked).toHaveBeenCalledTimes(3);
    walked.mockClear();
    // A refusal is kept for the request as well, and still reported on every field it refuses.
    const refused = await run(schema, '{ items(n: 20) { id owner } }', { member: true, reader: false });
    expect(walked).toHaveBeenCalledTimes(3);
    expect(refused.errors).toHaveLength(40);
    // The next request decides afresh.
    walked.mockClear();
    expect((await run(schema, '{ items(n: 20) { id } }', { member: true, reader: true })).errors).toEqual([]);
    expect(walked).toHaveBeenCalledTimes(3);
  });

  it('refuses a field the caller may not see on every row of a list, and answers the rest', async () => {
    const schema = schemaWith({ Query: { items: isTenantMember }, Item: { '*': isTenantMember, secret: can('pii:read') } }, true, shieldOptions);
    const agent = await run(schema, '{ items(n: 100) { id secret } }', contextFor(claimsFor(['agent'])));
    const items = agent.data!.items as { id: string; secret: string | null }[];
    expect(items).toHaveLength(100);
    expect(items.every((item) => item.secret === null && item.id.startsWith('i'))).toBe(true);
    expect(agent.errors).toHaveLength(100);
    expect(new Set(agent.errors.map((error) => error.replace(/^items\.\d+\./, '')))).toEqual(new Set(['secret: Requires the pii:read permission']));
  });

  it('never carries a decision over to another request, in turn or at the same time, across principals and tenants', async () => {
    const schema = schemaWith({ Query: { items: isTenantMember }, Item: { '*': isTenantMember, secret: can('pii:read') } }, true, shieldOptions);
    const query = '{ items(n: 50) { id secret } }';
    const secrets = (result: Awaited<ReturnType<typeof run>>) => ((result.data?.items ?? []) as { secret: string | null }[]).filter((item) => item.secret !== null).length;
    const supervisor = () => contextFor(claimsFor(['supervisor']));
    const agent = () => contextFor(claimsFor(['agent']));
    const otherTenantAgent = () => contextFor(claimsFor(['agent'], { id: 't-globex', slug: 'globex' }));
    const platform = () => contextFor(claimsFor([], null));
    for (let round = 0; round < 3; round++) {
      const [a, b, c, d, e] = await Promise.all([
        run(schema, query, supervisor()),
        run(schema, query, agent()),
        run(schema, query, otherTenantAgent()),
        run(schema, query, platform()),
        run(schema, query, supervisor()),
      ]);
      expect([secrets(a), secrets(b), secrets(c), secrets(d), secrets(e)]).toEqual([50, 0, 0, 0, 50]);
      expect(b.errors).toHaveLength(50);
      expect(d.data).toBeNull();
      expect(d.errors).toEqual(['items: This operation needs a tenant member']);
    }
    // One context reused for two operations (as a batch would) keeps its own claims' answer only.
    const shared = agent();
    expect(secrets(await run(schema, query, shared))).toBe(0);
    expect(secrets(await run(schema, query, shared))).toBe(0);
  });

  it('leaves every subgraph context with the properties it was made with, in the same order, whatever the request touched', async () => {
    // The shield's state and every field made on first use exist from the constructor on, so each
    // context keeps one shape (the order of own properties is what V8's hidden class follows).
    const schema = schemaWith({ Query: { items: isTenantMember }, Item: { '*': isTenantMember, secret: can('pii:read') } }, true, shieldOptions);
    const fresh = Object.keys(contextFor(claimsFor(['agent'])));
    expect(fresh).toEqual(expect.arrayContaining(['_shield']));
    for (const [roles, query] of [
      [['supervisor'], '{ items(n: 3) { id secret } }'],
      [['agent'], '{ items(n: 3) { id } }'],
      [['agent'], '{ item { id secret } }'],
    ] as const) {
      const context = contextFor(claimsFor([...roles]));
      const used = context._shield;
      await run(schema, query, context);
      expect(Object.keys(context)).toEqual(fresh);
      // The rules' answers were kept in the state the context was made with, not in one added later.
      expect(context._shield).toBe(used);
      expect(used.decisions!.size).toBeGreaterThan(0);
    }
  });

  it('still evaluates a rule about the object for every object', async () => {
    let calls = 0;
    const owner = rule('owner')((parent: Row, _a, ctx: { user: string }) => {
      calls++;
      return parent.owner === ctx.user || new Error('not yours');
    });
    expect(dependsOnContextOnly(owner)).toBe(false);
    expect(dependsOnContextOnly(and(isTenantMember, owner))).toBe(false);
    expect(dependsOnContextOnly(can('pii:read'))).toBe(true);
    const schema = schemaWith({ Query: { items: allow }, Item: { id: allow, owner: allow, secret: and(allow, owner) } }, true);
    const result = await run(schema, '{ items(n: 30) { id secret } }', { user: 'ann' });
    expect(calls).toBe(30);
    const items = result.data!.items as { id: string; secret: string | null }[];
    expect(items.filter((item) => item.secret !== null).map((item) => item.id)).toEqual(rows(30).filter((row) => row.owner === 'ann').map((row) => row.id));
    expect(result.errors).toHaveLength(20);
  });
});
