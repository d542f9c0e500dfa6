import { ApolloArmor } from '@escape.tech/graphql-armor';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError, Kind, visit, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { ApolloServerPlugin } from '@apollo/server';
import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { DomainError, refusesRequest } from '../platform/errors';
import { redisKey } from '../platform/redis';
import type { GatewayConfig } from './config';
import { coercedOperationCost, coerceVariables, introspectionLimitRule } from './query-cost';
import type { GatewayContext } from './signed-data-source';

/** Depth, aliases and directives: refused while validating, before any plan. */
export function queryLimits(config: GatewayConfig) {
  const { limits } = config;
  const armor = new ApolloArmor({
    // Introspection has its own bounds (introspectionLimitRule): the standard query is deeper than any page.
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true },
    // Checked by costBudget with the page-aware cost instead: armor's reads `first` only when it is
    // a literal (a variable page size passes as 1) and compounds 1.5× per level, which prices an
    // ordinary list of 50 end-users with their interactions above any sensible limit.
    costLimit: { enabled: false },
    // Every alias counts: `a1: __typename … a9999: __typename` is as many fields to answer.
    maxAliases: { n: limits.maxAliases, allowList: [] },
    // Checked by assertTokenLimit instead: armor's plugin throws from a hook, which answers 500.
    maxTokens: { enabled: false },
    maxDirectives: { n: limits.maxDirectives },
    blockFieldSuggestion: { enabled: config.production },
  }).protect();
  return { plugins: armor.plugins, validationRules: [...armor.validationRules, introspectionLimitRule] };
}

/**
 * Query texts already found within a token limit, by limit and text. Counting tokens lexes the
 * whole text (several times the cost of parsing it), and the answer depends on nothing else: a
 * text seen before is not lexed again. Bounded by total size; only texts that passed are kept.
 */
const withinTokenLimit = new LRUCache<string, true>({ maxSize: 8 * 1024 * 1024, sizeCalculation: (_value, key) => key.length + 16 });
/** Longer texts are checked each time rather than crowd the cache. */
const TOKEN_CACHE_MAX_TEXT = 64 * 1024;

/** Refuses a query text with more tokens than allowed (400, GRAPHQL_PARSE_FAILED) before it is parsed. */
export function assertTokenLimit(query: unknown, maxTokens: number): void {
  if (typeof query !== 'string') return;
  const key = query.length <= TOKEN_CACHE_MAX_TEXT ? `${maxTokens}\n${query}` : undefined;
  if (key !== undefined && withinTokenLimit.has(key)) return;
  try {
    new MaxTokensParserWLexer(query, { n: maxTokens }).parseDocument();
  } catch (error) {
    if (!(error instanceof GraphQLError) || !/Token limit/.test(error.message)) return; // GraphQL reports other syntax errors itself
    throw new GraphQLError(error.message, { extensions: { code: 'GRAPHQL_PARSE_FAILED', http: { status: 400 } } });
  }
  if (key !== undefined) withinTokenLimit.set(key, true);
}

/**
 * The variables a document's cost can depend on: those given to a `first` or `last` argument and
 * to the `if` of @skip/@include, anywhere in it. Every other variable (an id, a filter) leaves the
 * cost as it is, so one price serves every request that agrees on these.
 */
function costVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  const collect = (node: unknown) =>
    visit(node as DocumentNode, {
      Variable(variable) {
        names.add(variable.name.value);
      },
    });
  visit(document, {
    VariableDefinition: () => false,
    Field(field) {
      for (const argument of field.arguments ?? []) if (argument.name.value === 'first' || argument.name.value === 'last') collect(argument.value);
    },
    Directive(directive) {
      if (directive.name.value !== 'skip' && directive.name.value !== 'include') return;
      for (const argument of directive.arguments ?? []) collect(argument.value);
    },
  });
  return [...names].sort();
}

interface CostPlan {
  variables: string[];
  /** Prices by the values of those variables (the same document asked with other page sizes). */
  prices: LRUCache<string, number>;
}

/**
 * Per document (Apollo hands every request with the same text the same parsed document, from its
 * own LRU of documents, renewed with the schema) and operation: the variables its price depends
 * on, and the prices already computed (per schema too). Nothing in a price depends on who asks: the budget it is
 * charged to is the caller's, per request.
 */
const costPlans = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, CostPlan>>>();

export function priceOperation(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables?: Record<string, unknown>): number {
  const name = operation.name?.value ?? '';
  let bySchema = costPlans.get(schema);
  if (!bySchema) costPlans.set(schema, (bySchema = new WeakMap()));
  let plans = bySchema.get(document);
  if (!plans) bySchema.set(document, (plans = new Map()));
  let plan = plans.get(name);
  if (!plan) plans.set(name, (plan = { variables: costVariables(document), prices: new LRUCache({ max: 64 }) }));
  // Every request's variables are coerced (and refused when they do not fit), cached price or not.
  const coerced = coerceVariables(schema, operation, variables ?? {});
  // A variable left out ([]) and one given as null ([null]) are told apart.
  const key = JSON.stringify(plan.variables.map((variable) => (variable in coerced ? [coerced[variable]] : [])));
  const cached = plan.prices.get(key);
  if (cached !== undefined) return cached;
  const fragments = document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION);
  const cost = coercedOperationCost(schema, operation, fragments, coerced);
  plan.prices.set(key, cost);
  return cost;
}

function rateLimited(error: RateLimiterRes): DomainError {
  const retryAfter = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
  return refusesRequest(new DomainError('RATE_LIMITED', `Rate limit reached; retry after ${retryAfter} s`, { retryAfter }));
}

export const retryAfterOf = (error: unknown): string | null =>
  error instanceof DomainError && error.code === 'RATE_LIMITED' ? String(error.extensions.retryAfter) : null;

/** The shared budget store (Redis) down or too slow: the request is refused as an outage (503), not a bug. */
const budgetStoreUnavailable = (error: unknown) =>
  error instanceof DomainError ? error : refusesRequest(new DomainError('UNAVAILABLE', 'The rate-limit store could not be reached'));

/**
 * Per-tenant budgets of requests and of query cost per window: in memory, or in Redis so every
 * gateway instance spends from one budget. Callers without a tenant are counted by address.
 */
export class RateLimits {
  private readonly requests: RateLimiterAbstract;
  private readonly cost: RateLimiterAbstract;
  private readonly widgetAddress: RateLimiterAbstract;
  private readonly widgetKey: RateLimiterAbstract;

  constructor(config: GatewayConfig, redis?: Redis) {
    const { requestsPerWindow, costPerWindow, windowSeconds, widgetRequestsPerAddress, widgetRequestsPerKey } = config.limits;
    const make = (name: string, points: number) => {
      const keyPrefix = redisKey(config.redisPrefix, 'rl', name);
      const memory = new RateLimiterMemory({ keyPrefix, points, duration: windowSeconds });
      // Redis unreachable (or not yet connected): each instance spends its own in-memory budget of
      // the same size until it is back, so requests are still served, and still limited.
      return redis
        ? new RateLimiterRedis({ storeClient: redis, keyPrefix, points, duration: windowSeconds, useRedisPackage: false, rejectIfRedisNotReady: true, insuranceLimiter: memory })
        : memory;
    };
    this.requests = make('requests', requestsPerWindow);
    this.cost = make('cost', costPerWindow);
    this.widgetAddress = make('widget-address', widgetRequestsPerAddress);
    this.widgetKey = make('widget-key', widgetRequestsPerKey);
  }

  /**
   * The public widget spends its own small budgets (per key and address, and per key), never the
   * tenant's: anyone can hold a widget key, and must not exhaust the tenant's API budget with it.
   */
  async takeWidgetRequest(keyId: string, address: string): Promise<void> {
    for (const [limiter, key] of [[this.widgetAddress, `${keyId}:${address}`], [this.widgetKey, keyId]] as const) {
      await limiter.consume(key, 1).catch((error: unknown) => {
        if (error instanceof RateLimiterRes) throw rateLimited(error);
        throw budgetStoreUnavailable(error);
      });
    }
  }

  async takeRequest(key: string): Promise<void> {
    await this.requests.consume(key, 1).catch((error: unknown) => {
      if (error instanceof RateLimiterRes) throw rateLimited(error);
      throw budgetStoreUnavailable(error);
    });
  }

  async takeCost(key: string, cost: number): Promise<void> {
    if (cost <= 0) return;
    await this.cost.consume(key, cost).catch((error: unknown) => {
      if (error instanceof RateLimiterRes) throw rateLimited(error);
      throw budgetStoreUnavailable(error);
    });
  }
}

export const budgetKey = ({ claims }: GatewayContext) => {
  if (claims.principal.kind === 'widget') return `widget:${claims.principal.id}:${claims.clientIp}`;
  return claims.tenant ? `tenant:${claims.tenant.id}` : `ip:${claims.clientIp}`;
};

/**
 * Refuses an operation costlier than `maxCost` (400), and charges the rest to their tenant's
 * budget, once the operation and its variables are known and before any plan.
 */
export function costBudget(limits: RateLimits, maxCost: number): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, response, schema, contextValue }) {
          // Left to the gateway, an unknown or missing operationName answers 500.
          if (!operation) {
            throw new GraphQLError('operationName must name one operation of the document', { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
          }
          const cost = priceOperation(schema, document, operation, request.variables ?? undefined);
          if (cost > maxCost) {
            throw new GraphQLError(`Query cost ${cost} exceeds the limit of ${maxCost}; ask for smaller pages`, {
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
            });
          }
          try {
            await limits.takeCost(budgetKey(contextValue), cost);
          } catch (error) {
            const retryAfter = retryAfterOf(error);
            if (retryAfter) response.http.headers.set('retry-after', retryAfter);
            throw error;
          }
        },
      };
    },
  };
}
