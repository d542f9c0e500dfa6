import fs from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { getIntrospectionQuery, Kind, parse, specifiedRules, validate, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { priceOperation } from '../../gateway/limits';
import { introspectionLimitRule, pageSize } from '../../gateway/query-cost';

let schema: GraphQLSchema;
beforeAll(() => {
  schema = Supergraph.build(fs.readFileSync('schema/supergraph.graphql', 'utf8')).apiSchema().toGraphQLJSSchema();
});

function cost(query: string, variables?: Record<string, unknown>, operationName?: string): number {
  const document = parse(query);
  expect(validate(schema, document, specifiedRules)).toEqual([]);
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName)! : operations[0];
  return priceOperation(schema, document, operation, variables);
}

const LIST = (first: string) => `endUsers(first: ${first}) { edges { node { interactions(first: 100) { edges { node { id channel queue } } } } } }`;
/** The price of the attack's list at a valid 100 × 100. */
const HUGE = () => cost(`{ ${LIST('100')} }`);

describe('page-aware cost', () => {
  it('prices a page by its size: smaller pages cost less, down to 1', () => {
    const one = cost('{ endUsers(first: 1) { edges { node { id } } } }');
    const ten = cost('{ endUsers(first: 10) { edges { node { id } } } }');
    expect(one).toBeLessThan(ten);
    expect(HUGE()).toBeGreaterThan(20_000);
  });

  it.each([['-1'], ['-1000000'], ['0'], ['-2147483648']])('a `first: %s` on a sibling never lowers the whole query’s cost', (first) => {
    const withSibling = cost(`{ ${LIST('100')} cheap: endUsers(first: ${first}) { edges { node { id } } } }`);
    expect(withSibling).toBeGreaterThan(HUGE());
  });

  it.each([['-1'], ['0'], ['-1000000']])('a `first: %s` nested, in a fragment or an inline fragment prices as the default page', (first) => {
    const defaultPage = cost('{ endUsers { edges { node { interactions { edges { node { id } } } } } } }');
    expect(cost(`{ endUsers(first: ${first}) { edges { node { interactions(first: ${first}) { edges { node { id } } } } } } }`)).toBe(defaultPage);
    expect(cost(`{ ...F } fragment F on Query { endUsers(first: ${first}) { edges { node { interactions(first: ${first}) { edges { node { id } } } } } } }`)).toBe(defaultPage);
    expect(cost(`{ ... on Query { endUsers(first: ${first}) { edges { node { ... on EndUser { interactions(first: ${first}) { edges { node { id } } } } } } } } }`)).toBe(defaultPage);
  });

  it('prices a huge page as asked, so the limit refuses it', () => {
    expect(cost('{ endUsers(first: 2147483647) { edges { node { id } } } }')).toBeGreaterThan(1e9);
  });

  it.each([[-5], [0], [-2147483648]])('a variable page size %p prices as the default page; a large one as asked', (n) => {
    const query = 'query($n: Int) { endUsers(first: $n) { edges { node { interactions(first: $n) { edges { node { id } } } } } } }';
    expect(cost(query, { n })).toBe(cost(query, {}));
    expect(cost(query, { n: 100 })).toBeGreaterThan(cost(query, { n }));
  });

  it.each([[2.5], ['100'], [true], [{ n: 1 }], [[1]], [1e12]])('refuses a page-size variable %p of the wrong type as BAD_USER_INPUT, never pricing it', (n) => {
    const query = 'query($n: Int) { endUsers(first: $n) { edges { node { id } } } }';
    expect(() => cost(query, { n })).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
  });

  it('prices a field under @include/@skip unless it is certainly left out', () => {
    const query = 'query($yes: Boolean!, $no: Boolean!) { a: endUsers(first: 100) @include(if: $yes) { edges { node { id } } } b: endUsers(first: 100) @skip(if: $no) { edges { node { id } } } }';
    const both = cost(query, { yes: true, no: false });
    expect(cost(query, { yes: false, no: false })).toBeLessThan(both);
    expect(both).toBeGreaterThan(cost('{ endUsers(first: 100) { edges { node { id } } } }'));
    expect(cost('{ endUsers(first: 100) @include(if: true) @skip(if: false) { edges { node { id } } } }')).toBe(cost('{ endUsers(first: 100) { edges { node { id } } } }'));
  });

  it('counts __typename and its aliases, at the root and in lists', () => {
    const many = `{ ${Array.from({ length: 50 }, (_, i) => `t${i}: __typename`).join(' ')} }`;
    expect(cost(many)).toBe(50);
    expect(cost('{ endUsers(first: 100) { edges { node { __typename } } } }')).toBeGreaterThan(100);
  });

  it('counts each spread of a fragment, aliases of fields, and a multiply-used fragment every time', () => {
    const single = cost('{ endUsers(first: 100) { edges { node { id } } } }');
    expect(cost('{ a: endUsers(first: 100) { ...E } b: endUsers(first: 100) { ...E } } fragment E on EndUserConnection { edges { node { id } } }')).toBe(2 * single);
  });

  it('prices the operation named by operationName, not its cheap neighbour', () => {
    const document = `query Cheap { me { id } } query Dear { ${LIST('100')} }`;
    expect(cost(document, undefined, 'Dear')).toBe(HUGE());
    expect(cost(document, undefined, 'Cheap')).toBeLessThan(10);
  });

  it('reads `last` as well as `first`, and never a smaller one of the two', () => {
    expect(pageSize({ first: 5, last: 100 })).toBe(100);
    expect(pageSize({ first: -5 })).toBe(20);
    expect(pageSize({ first: 2.5 })).toBe(20);
    expect(pageSize({ first: '100' })).toBe(20);
    expect(pageSize({ first: Number.NaN, last: -1 })).toBe(20);
    expect(pageSize({ first: 3 })).toBe(3);
  });
});

describe('introspection limits', () => {
  const refusals = (query: string) => validate(schema, parse(query), [...specifiedRules, introspectionLimitRule]).map((e) => e.message);

  it('lets the standard introspection query through, priced like any query', () => {
    expect(refusals(getIntrospectionQuery())).toEqual([]);
    expect(cost(getIntrospectionQuery())).toBeGreaterThan(100);
  });

  it('refuses introspection that nests the schema into itself, by __schema or __type, with or without fragments', () => {
    const nested = '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }';
    // graphql-js's own MaxIntrospectionDepthRule may refuse some of these too; ours must, always.
    expect(refusals(nested)).toContainEqual(expect.stringMatching(/Introspection too deep or broad/));
    expect(refusals('{ __type(name: "EndUser") { fields { type { fields { type { fields { type { fields { name } } } } } } } } }')).toContainEqual(
      expect.stringMatching(/Introspection too deep or broad/),
    );
    expect(refusals('{ __schema { types { ...T } } } fragment T on __Type { fields { type { fields { type { fields { name } } } } } }')).toContainEqual(
      expect.stringMatching(/Introspection too deep or broad/),
    );
    expect(refusals('{ __schema { types { fields { args { type { inputFields { name } } } } } } }')).toContainEqual(
      expect.stringMatching(/4 nested lists/),
    );
  });

  it('refuses an introspection deeper than the standard query through ofType chains', () => {
    const chain = (n: number): string => (n === 0 ? 'name' : `ofType { ${chain(n - 1)} }`);
    expect(refusals(`{ __type(name: "EndUser") { ${chain(20)} } }`)).toEqual([expect.stringMatching(/depth/)]);
    expect(refusals(`{ __type(name: "EndUser") { ${chain(10)} } }`)).toEqual([]);
  });
});

