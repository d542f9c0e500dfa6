import { isIntrospectionType, isObjectType, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { allow, and, deny, not, or, rule, shield as graphqlShield, type IRules } from 'graphql-shield';
import { middleware, type IMiddleware, type IMiddlewareFunction, type IMiddlewareGenerator } from 'graphql-middleware';

/**
 * graphql-shield with its decisions unchanged, minus the cost it puts on every field of every row.
 *
 * Shield wraps each field in an async middleware and each rule in a promise, so a list of 100
 * end-users pays several promises per field per row even though every rule here depends on the
 * request's context alone (`cache: 'contextual'`: shield runs its function once per request and
 * reuses the result). For a field whose whole rule is made of such rules and `and`/`or`/`not`/
 * `allow`/`deny`, the rule is walked synchronously over shield's own per-request cache, with the
 * same combination logic as shield's, once per request and rule (its decision is then kept on the
 * context for every other field and row under that rule), and an allowed field calls its resolver
 * at once (a default resolver stays synchronous). Any other rule (per object: no cache, `strict`, a cache key
 * function, `chain`, `race`, input rules) keeps shield's own middleware, evaluated per object.
 * The rule tree, fallbackRule, fallbackError and validation are shield's.
 */

/** A rule or logic rule of shield's (`rule()(…)`, `and(…)`, `allow`…). */
type ShieldRule = { resolve(...args: never[]): Promise<unknown> };
type ShieldOptions = Parameters<typeof graphqlShield>[1];
type Decision = boolean | Error;
type Pending = Decision | Promise<Decision>;
/**
 * Shield's per request state, on the context: shield's own cache of contextual rules' answers, and
 * the decision of each whole field rule that depends on the context only, so that a list of N rows
 * walks each rule tree once instead of once per field per row.
 */
export interface ShieldState {
  /** Keyed by rule name (and object, for per-object rules): a map-less object, as keys vary per request. */
  cache: Record<string, unknown>;
  decisions?: Map<ShieldRule, Decision>;
}
interface ShieldContext {
  _shield?: ShieldState;
}

/**
 * The state a request's context starts with (RequestContext makes it in its constructor). Made
 * there, every context has the same shape from the start; added by the first shielded field, as
 * shield does, it gave the secured subgraphs' contexts shapes of their own, and every place that
 * reads a context more inline-cache misses (seen with perf against the twin).
 */
export function shieldState(): ShieldState {
  return { cache: Object.create(null) as Record<string, unknown>, decisions: new Map() };
}
interface Options {
  debug: boolean;
  allowExternalErrors: boolean;
  fallbackRule: ShieldRule;
  fallbackError: Error | ((error: unknown, parent: unknown, args: unknown, ctx: unknown, info: GraphQLResolveInfo) => unknown);
}

// Shield's rule classes are not exported; these are their exact prototypes.
const RULE = Object.getPrototypeOf(rule('shield-prototype-probe')(() => true));
const RULE_TRUE = Object.getPrototypeOf(allow);
const RULE_FALSE = Object.getPrototypeOf(deny);
const RULE_AND = Object.getPrototypeOf(and());
const RULE_OR = Object.getPrototypeOf(or());
const RULE_NOT = Object.getPrototypeOf(not(allow));

interface LeafRule {
  cache: unknown;
  executeRule(parent: unknown, args: unknown, ctx: unknown, info: GraphQLResolveInfo, options: Options): unknown;
}
interface LogicRule {
  getRules(): ShieldRule[];
  error?: Error;
}

/** Whether the rule's answer can only depend on the request: the same for every object and argument. */
export function dependsOnContextOnly(candidate: ShieldRule): boolean {
  const prototype = Object.getPrototypeOf(candidate);
  if (prototype === RULE) return (candidate as unknown as LeafRule).cache === 'contextual';
  if (prototype === RULE_TRUE || prototype === RULE_FALSE) return true;
  if (prototype === RULE_AND || prototype === RULE_OR || prototype === RULE_NOT) {
    return (candidate as unknown as LogicRule).getRules().every(dependsOnContextOnly);
  }
  return false;
}

const later = async (answer: () => unknown) => answer();
const isPromise = (value: unknown): value is Promise<unknown> => typeof (value as Promise<unknown> | null)?.then === 'function';

/** Rule.resolve's reading of a rule function's result. */
const asDecision = (result: unknown): Decision =>
  result instanceof Error ? result : typeof result === 'string' ? new Error(result) : result === true;

/** All of the rules, like shield's Promise.all: every one is evaluated, a throw surfaces after all ran. */
function evaluateAll(rules: ShieldRule[], parent: unknown, args: unknown, ctx: ShieldContext, info: GraphQLResolveInfo, options: Options): Pending[] | Promise<Decision[]> {
  const results: Pending[] = [];
  let thrown: { error: unknown } | undefined;
  for (const child of rules) {
    try {
      results.push(decide(child, parent, args, ctx, info, options));
    } catch (error) {
      thrown ??= { error };
      results.push(false);
    }
  }
  if (thrown) throw thrown.error;
  return results.some(isPromise) ? Promise.all(results) : results;
}

const combineAnd = (results: Decision[]): Decision =>
  results.some((result) => result !== true) ? (results.find((result) => result instanceof Error) ?? false) : true;
const combineOr = (results: Decision[]): Decision =>
  results.every((result) => result !== true) ? (results.find((result) => result instanceof Error) ?? false) : true;

/** The rule's decision, synchronously when nothing in it is asynchronous (shield's semantics, rule by rule). */
function decide(candidate: ShieldRule, parent: unknown, args: unknown, ctx: ShieldContext, info: GraphQLResolveInfo, options: Options): Pending {
  const prototype = Object.getPrototypeOf(candidate);
  if (prototype === RULE_TRUE) return true;
  if (prototype === RULE_FALSE) return false;
  if (prototype === RULE) {
    // Shield's own contextual cache (ctx._shield, one per request): the function runs once per request.
    let result: unknown;
    try {
      result = (candidate as unknown as LeafRule).executeRule(parent, args, ctx, info, options);
    } catch (error) {
      if (options.debug) throw error;
      return false;
    }
    if (!isPromise(result)) return asDecision(result);
    return result.then(asDecision, (error) => {
      if (options.debug) throw error;
      return false;
    });
  }
  const logic = candidate as unknown as LogicRule;
  const results = evaluateAll(logic.getRules(), parent, args, ctx, info, options);
  const combine = prototype === RULE_AND ? combineAnd : prototype === RULE_OR ? combineOr : ([result]: Decision[]): Decision =>
    result instanceof Error || result !== true ? true : (logic.error ?? false);
  if (isPromise(results)) return results.then(combine);
  return results.some(isPromise) ? Promise.all(results).then(combine) : combine(results as Decision[]);
}

/** The field middleware for a rule that depends on the context only (shield's generator, made synchronous). */
function contextualField(fieldRule: ShieldRule, options: Options): IMiddlewareFunction {
  const fallback = (error: unknown, parent: unknown, args: unknown, ctx: unknown, info: GraphQLResolveInfo) =>
    typeof options.fallbackError === 'function' ? options.fallbackError(error, parent, args, ctx, info) : options.fallbackError;
  const failed = (error: unknown, parent: unknown, args: unknown, ctx: unknown, info: GraphQLResolveInfo) => {
    if (options.debug) throw error;
    if (options.allowExternalErrors) return error;
    return fallback(error, parent, args, ctx, info);
  };
  // Resolver errors pass through as shield passes them (allowExternalErrors), or become the fallback error.
  const passesErrors = options.debug || options.allowExternalErrors;
  // Refusals and errors stay asynchronous, as shield's are: graphql-js stops completing a list or an
  // object at a synchronous error of a non-null field, which would drop later errors from the response.
  const settle = (decision: Decision, resolve: (...a: unknown[]) => unknown, parent: unknown, args: unknown, ctx: unknown, info: GraphQLResolveInfo) => {
    if (decision === false) return later(() => fallback(null, parent, args, ctx, info));
    if (decision !== true) return Promise.resolve(decision);
    try {
      const result = resolve(parent, args, ctx, info);
      return passesErrors || !isPromise(result) ? result : result.then(undefined, (error) => failed(error, parent, args, ctx, info));
    } catch (error) {
      return later(() => failed(error, parent, args, ctx, info));
    }
  };
  // Typed as returning a promise; an allowed field answers what its resolver answers, synchronously if it is.
  const fieldMiddleware = (resolve: (...a: unknown[]) => unknown, parent: unknown, args: unknown, context: unknown, info: GraphQLResolveInfo) => {
    const ctx = (context ?? {}) as ShieldContext;
    // A context made elsewhere (a test's plain object) gets its state here, as shield would add it.
    const state = (ctx._shield ??= shieldState());
    const decided = (state.decisions ??= new Map());
    let decision: Pending | undefined = decided.get(fieldRule);
    if (decision === undefined) {
      try {
        decision = decide(fieldRule, parent, args, ctx, info, options);
      } catch (error) {
        return later(() => failed(error, parent, args, ctx, info));
      }
      // Every leaf's answer is already fixed for the request (shield's contextual cache), so the
      // combination is too: later fields and rows under the same rule reuse it. A pending decision
      // is not kept (its leaves are shield's cached promises, reused anyway).
      if (!isPromise(decision)) decided.set(fieldRule, decision);
    }
    if (!isPromise(decision)) return settle(decision, resolve, parent, args, ctx, info);
    return decision.then(
      (settled) => settle(settled, resolve, parent, args, ctx, info),
      (error) => failed(error, parent, args, ctx, info),
    );
  };
  return fieldMiddleware as unknown as IMiddlewareFunction;
}

const isRuleFunction = (value: unknown): value is ShieldRule => typeof (value as { resolve?: unknown } | null)?.resolve === 'function';

/** The rule shield applies to a field: the field's own, else the type's wildcard, else the fallback. */
function ruleOf(tree: IRules, typeName: string, fieldName: string, fallbackRule: ShieldRule): ShieldRule {
  if (isRuleFunction(tree)) return tree;
  const typeRules = (tree as Record<string, unknown>)[typeName];
  if (isRuleFunction(typeRules)) return typeRules;
  if (typeRules && typeof typeRules === 'object') {
    const fields = typeRules as Record<string, ShieldRule | undefined>;
    return fields[fieldName] ?? fields['*'] ?? fallbackRule;
  }
  return fallbackRule;
}

export function shield(tree: IRules, constructorOptions: Partial<ShieldOptions> = {}): IMiddlewareGenerator<unknown, unknown, unknown> {
  // Shield validates the tree and generates the middleware for every field; ours replaces the contextual ones.
  const shielded = graphqlShield(tree, constructorOptions as ShieldOptions);
  const options: Options = {
    debug: constructorOptions.debug ?? false,
    allowExternalErrors: constructorOptions.allowExternalErrors ?? false,
    fallbackRule: constructorOptions.fallbackRule ?? allow,
    fallbackError:
      typeof constructorOptions.fallbackError === 'string'
        ? new Error(constructorOptions.fallbackError)
        : ((constructorOptions.fallbackError as Options['fallbackError'] | undefined) ?? new Error('Not Authorised!')),
  };
  return middleware((schema: GraphQLSchema) => {
    const generated = (shielded as unknown as { generate(schema: GraphQLSchema): IMiddleware }).generate(schema) as Record<string, Record<string, unknown>>;
    for (const [typeName, type] of Object.entries(schema.getTypeMap())) {
      if (!isObjectType(type) || isIntrospectionType(type)) continue;
      const fields = generated[typeName];
      for (const fieldName of Object.keys(type.getFields())) {
        const fieldRule = ruleOf(tree, typeName, fieldName, options.fallbackRule);
        if (!dependsOnContextOnly(fieldRule)) continue;
        const fast = contextualField(fieldRule, options);
        const existing = fields[fieldName];
        // Shield hands logic rules over with their fragments; the shape stays, only the resolver changes.
        fields[fieldName] = typeof existing === 'function' ? fast : { ...(existing as object), resolve: fast };
      }
    }
    return generated as IMiddleware;
  }) as IMiddlewareGenerator<unknown, unknown, unknown>;
}
