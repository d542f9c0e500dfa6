import { ApolloArmor } from '@escape.tech/graphql-armor';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { DomainError, refusesRequest } from '../platform/errors';
import { redisKey } from '../platform/redis';
import type { GatewayConfig } from './config';
import { introspectionLimitRule, operationCost } from './query-cost';
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

/** Refuses a query text with more tokens than allowed (400, GRAPHQL_PARSE_FAILED) before it is parsed. */
export function assertTokenLimit(query: unknown, maxTokens: number): void {
  if (typeof query !== 'string') return;
  try {
    new MaxTokensParserWLexer(query, { n: maxTokens }).parseDocument();
  } catch (error) {
    if (!(error instanceof GraphQLError) || !/Token limit/.test(error.message)) return; // GraphQL reports other syntax errors itself
    throw new GraphQLError(error.message, { extensions: { code: 'GRAPHQL_PARSE_FAILED', http: { status: 400 } } });
  }
}

/** Costs of operations whose cost no variable can change (no variables at all), by document and operation. */
const fixedCosts = new WeakMap<DocumentNode, Map<string, number>>();

export function priceOperation(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables?: Record<string, unknown>): number {
  const key = operation.name?.value ?? '';
  const cached = fixedCosts.get(document)?.get(key);
  if (cached !== undefined) return cached;
  const fragments = document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION);
  const cost = operationCost(schema, operation, fragments, variables ?? {});
  // Apollo hands the same parsed document to every request with the same text.
  if (!operation.variableDefinitions?.length) fixedCosts.set(document, (fixedCosts.get(document) ?? new Map()).set(key, cost));
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
