import fs from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { GraphQLError, Kind, parse, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import * as queryCost from '../../gateway/query-cost';
import { assertTokenLimit, costBudget, priceOperation, type RateLimits } from '../../gateway/limits';
import type { GatewayContext } from '../../gateway/signed-data-source';

let schema: GraphQLSchema;
beforeAll(() => {
  schema = Supergraph.build(fs.readFileSync('schema/supergraph.graphql', 'utf8')).apiSchema().toGraphQLJSSchema();
});

const operationOf = (document: DocumentNode) => document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
/** The price of a fresh parse of the text: nothing cached for it yet. */
const fresh = (query: string, variables?: Record<string, unknown>) => {
  const document = parse(query);
  return priceOperation(schema, document, operationOf(document), variables);
};

const PAGED = 'query Paged($first: Int, $id: ID) { endUsers(first: $first, filter: { id: $id }) { edges { node { id interactions(first: 5) { edges { node { id } } } } } } }';

describe('prices cached per document', () => {
  it('prices the same document by its page-size variables, whatever was asked before', () => {
    const document = parse(PAGED);
    const operation = operationOf(document);
    const price = (variables: Record<string, unknown>) => priceOperation(schema, document, operation, variables);
    const small = price({ first: 1 });
    const large = price({ first: 100 });
    expect(large).toBeGreaterThan(small);
    // Asked again in the other order, the same document gives each its own price.
    expect(price({ first: 1 })).toBe(small);
    expect(price({ first: 100 })).toBe(large);
    expect(large).toBe(fresh(PAGED, { first: 100 }));
    expect(small).toBe(fresh(PAGED, { first: 1 }));
  });

  it('never lets a negative, zero or null page ride on a price cached for a small page', () => {
    const document = parse(PAGED);
    const operation = operationOf(document);
    const defaultPage = fresh(PAGED, {});
    expect(priceOperation(schema, document, operation, { first: 1 })).toBeLessThan(defaultPage);
    for (const first of [-1, 0, -1_000_000, null]) {
      expect(priceOperation(schema, document, operation, { first })).toBe(defaultPage);
    }
    expect(priceOperation(schema, document, operation, {})).toBe(defaultPage);
  });

  it('tells a variable left out (its default applies) from one given as null', () => {
    const query = 'query Defaulted($first: Int = 100) { endUsers(first: $first) { edges { node { id interactions(first: 5) { edges { node { id } } } } } } }';
    const document = parse(query);
    const operation = operationOf(document);
    const absent = priceOperation(schema, document, operation, {});
    const nulled = priceOperation(schema, document, operation, { first: null });
    expect(absent).toBe(fresh(query.replace('$first: Int = 100', '$first: Int').replace('first: $first', 'first: 100')));
    expect(nulled).toBeLessThan(absent);
    expect(priceOperation(schema, document, operation, {})).toBe(absent);
  });

  it('prices @include/@skip by their variables on every request', () => {
    const query = 'query Maybe($all: Boolean!) { me { id } endUsers(first: 100) @include(if: $all) { edges { node { id interactions(first: 100) { edges { node { id } } } } } } }';
    const document = parse(query);
    const operation = operationOf(document);
    const without = priceOperation(schema, document, operation, { all: false });
    const withAll = priceOperation(schema, document, operation, { all: true });
    expect(withAll).toBeGreaterThan(20_000);
    expect(without).toBeLessThan(10);
    expect(priceOperation(schema, document, operation, { all: false })).toBe(without);
    expect(priceOperation(schema, document, operation, { all: true })).toBe(withAll);
  });

  it('still refuses variables that do not fit their declarations once a price is cached', () => {
    const document = parse(PAGED);
    const operation = operationOf(document);
    priceOperation(schema, document, operation, { first: 5 });
    for (const first of ['5', 2.5, 2_147_483_648]) {
      let thrown: unknown;
      try {
        priceOperation(schema, document, operation, { first });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(GraphQLError);
      expect((thrown as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
    }
  });

  it('walks the document once for variables that cannot change its price (ids, filters), again for those that can', () => {
    const walks = jest.spyOn(queryCost, 'coercedOperationCost');
    try {
      const document = parse(PAGED);
      const operation = operationOf(document);
      const first = priceOperation(schema, document, operation, { first: 10, id: 'a' });
      expect(priceOperation(schema, document, operation, { first: 10, id: 'b' })).toBe(first);
      expect(priceOperation(schema, document, operation, { first: 10, id: 'c' })).toBe(first);
      expect(walks).toHaveBeenCalledTimes(1);
      priceOperation(schema, document, operation, { first: 11, id: 'a' });
      expect(walks).toHaveBeenCalledTimes(2);
    } finally {
      walks.mockRestore();
    }
  });

  it('charges every tenant its own budget for a document whose price is cached', async () => {
    const charged: [string, number][] = [];
    const limits = { takeCost: async (key: string, cost: number) => void charged.push([key, cost]) } as unknown as RateLimits;
    const hooks = await costBudget(limits, 20_000).requestDidStart!({} as never);
    const document = parse(PAGED);
    const operation = operationOf(document);
    const asTenant = (id: string): GatewayContext => ({
      claims: { requestId: id, tenant: { id, slug: id }, principal: { id: 'op', kind: 'operator', roles: ['admin'], scopes: [] }, clientIp: '127.0.0.1', accessPolicy: null },
    });
    for (const tenant of ['tenant-a', 'tenant-b', 'tenant-a']) {
      await hooks!.didResolveOperation!({
        document, operation, schema, contextValue: asTenant(tenant), request: { variables: { first: 50 } }, response: { http: { headers: new Map() } },
      } as never);
    }
    const price = fresh(PAGED, { first: 50 });
    expect(charged).toEqual([['tenant:tenant-a', price], ['tenant:tenant-b', price], ['tenant:tenant-a', price]]);
  });
});

describe('token limit cached per text', () => {
  const flood = (n: number) => `{ me { ${Array.from({ length: n }, () => 'id').join(' ')} } }`;
  const refused = (query: string, limit: number) => {
    try {
      assertTokenLimit(query, limit);
      return false;
    } catch (error) {
      return (error as GraphQLError).extensions?.code === 'GRAPHQL_PARSE_FAILED';
    }
  };

  it('refuses a text over the limit every time it is sent', () => {
    const query = flood(300);
    expect(refused(query, 100)).toBe(true);
    expect(refused(query, 100)).toBe(true);
  });

  it('refuses under a lower limit a text that passed under a higher one', () => {
    const query = flood(150);
    expect(refused(query, 1_000)).toBe(false);
    expect(refused(query, 1_000)).toBe(false);
    expect(refused(query, 100)).toBe(true);
  });

  it('checks a text that differs from a passed one by a single token', () => {
    expect(refused(flood(99), 110)).toBe(false);
    expect(refused(flood(99) + ' { me { id id id id id id id id id id } }', 110)).toBe(true);
  });
});
