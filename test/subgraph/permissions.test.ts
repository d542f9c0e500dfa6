import { isIntrospectionType, isObjectType, type GraphQLObjectType, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import pino from 'pino';
import { subgraphs } from '../../subgraphs';
import { accessEvents } from '../../platform/access-events';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/kit/config';
import { SubgraphContext, type ProcessDeps } from '../../subgraphs/kit/context';
import { DomainError } from '../../platform/errors';
import { consent } from './permissions/consent';
import { crm } from './permissions/crm';
import { identity } from './permissions/identity';
import { interactions } from './permissions/interactions';
import { claimsOf, PRINCIPALS, type Allowed, type Expectations, type Principal } from './permissions/principals';

/**
 * Every field the shield map reaches, read from the middleware the map generates for the schema
 * (so a new entry, or a new field left to the fallback, is walked without a line here), asked
 * for by every kind of caller. Allowed callers reach the resolver; every other one is refused.
 */
const EXPECTED: Record<SubgraphName, Expectations> = { identity, interactions, consent, crm };

type FieldMiddleware = (resolve: () => unknown, parent: unknown, args: unknown, ctx: unknown, info: GraphQLResolveInfo) => Promise<unknown>;
type Generated = Record<string, Record<string, FieldMiddleware | { resolve: FieldMiddleware }>>;
const REACHED = Symbol('resolver reached');
const logger = pino({ level: 'silent' });
const events = accessEvents();

async function reaches(middleware: FieldMiddleware, type: GraphQLObjectType, field: string, schema: GraphQLSchema, principal: Principal) {
  const context = new SubgraphContext(claimsOf(principal), { logger, accessEvents: events } as ProcessDeps, () => ({}));
  const info = { fieldName: field, parentType: type, returnType: type.getFields()[field].type, schema, path: { prev: undefined, key: field, typename: type.name }, operation: { operation: 'query' } } as unknown as GraphQLResolveInfo;
  const result = await middleware(() => REACHED, {}, {}, context, info);
  if (result === REACHED) return true;
  // A refusal is a domain error the caller can read, never a leak of the resolver's answer.
  expect(result).toBeInstanceOf(DomainError);
  expect(['UNAUTHENTICATED', 'FORBIDDEN', 'IP_NOT_ALLOWED']).toContain((result as DomainError).code);
  return false;
}

describe.each(SUBGRAPH_NAMES)('%s shield', (name) => {
  let schema: GraphQLSchema;
  let map: Record<string, Record<string, FieldMiddleware>>;
  const expected = EXPECTED[name];
  const expectationOf = (type: string, field: string): Allowed | undefined => expected[`${type}.${field}`] ?? expected[type];

  beforeAll(async () => {
    schema = await subgraphs[name].buildSchema();
    const generated = (subgraphs[name].permissions as unknown as { generate(schema: GraphQLSchema): Generated }).generate(schema);
    // A field's middleware is a function, or an object holding it (with the fragment a rule asks for).
    map = Object.fromEntries(
      Object.entries(generated).map(([type, fields]) => [
        type,
        Object.fromEntries(Object.entries(fields).map(([field, m]) => [field, typeof m === 'function' ? m : m.resolve])),
      ]),
    );
  });

  const types = () =>
    Object.values(schema.getTypeMap()).filter((type): type is GraphQLObjectType => isObjectType(type) && !isIntrospectionType(type));

  it('has a rule for every field of every object type, and an expectation for each', () => {
    const missing: string[] = [];
    for (const type of types()) {
      for (const field of Object.keys(type.getFields())) {
        expect(typeof map[type.name]?.[field]).toBe('function');
        if (!expectationOf(type.name, field)) missing.push(`${type.name}.${field}`);
      }
    }
    expect(missing).toEqual([]);
    expect(types().length).toBeGreaterThan(10);
  });

  it('names no field or type that the schema lacks', () => {
    const stale = Object.keys(expected).filter((key) => {
      const [typeName, field] = key.split('.');
      const type = schema.getType(typeName);
      return !type || !isObjectType(type) || (field !== undefined && !(field in type.getFields()));
    });
    expect(stale).toEqual([]);
  });

  it('lets exactly the expected callers reach each field', async () => {
    const wrong: Record<string, { allowed: Principal[]; expected: Principal[] }> = {};
    let checked = 0;
    for (const type of types()) {
      for (const field of Object.keys(type.getFields())) {
        const allowed: Principal[] = [];
        for (const principal of PRINCIPALS) {
          if (await reaches(map[type.name][field], type, field, schema, principal)) allowed.push(principal);
        }
        checked += 1;
        const want = PRINCIPALS.filter((p) => expectationOf(type.name, field)?.has(p));
        if (allowed.join() !== want.join()) wrong[`${type.name}.${field}`] = { allowed, expected: want };
      }
    }
    expect(wrong).toEqual({});
    expect(checked).toBeGreaterThan(20);
  });
});
