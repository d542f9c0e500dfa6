import { rule, and, or, allow, deny } from 'graphql-shield';
import type { GraphQLResolveInfo } from 'graphql';
import { DomainError, forbidden, ipNotAllowed, unauthenticated } from '../../../platform/errors';
import type { SubgraphContext } from '../context';
import { addressAllowed } from '../../../platform/addresses';
import type { Scope } from './roles';
import { markRefusal } from './denial-log';

export { allow, deny, and, or };

/**
 * Marks a rule's refusal; it is logged only if it reaches the caller (see denialLog): shield also
 * evaluates rules that end up not refusing (the failed branch of an `or`), and those are no denials.
 */
function refuse(_ctx: SubgraphContext, info: GraphQLResolveInfo, error: DomainError): DomainError {
  return markRefusal(error, `${info.parentType.name}.${info.fieldName}`);
}

// Rules below depend on the context only, so the contextual cache is safe for them; a rule about
// a parent object must never use it.

/** Signed in; a widget key is not a sign-in (it may only record cookie consent, see isWidget). */
export const isAuthenticated = rule({ cache: 'contextual' })((_parent, _args, ctx: SubgraphContext, info) => {
  const { kind } = ctx.claims.principal;
  if (kind === 'anonymous') return refuse(ctx, info, unauthenticated());
  return kind === 'widget' ? refuse(ctx, info, forbidden('A widget key may only record cookie consent')) : true;
});

/**
 * A tenant's public chat-widget key, checked at the gateway against the tenant's allowed origins.
 * It reaches the tenant's data from anywhere, so no allowlist applies: the fields it passes write
 * only and answer only an acknowledgement.
 */
export const isWidget = rule({ cache: 'contextual' })((_parent, _args, ctx: SubgraphContext, info) =>
  ctx.claims.principal.kind === 'widget' && ctx.claims.tenant ? true : refuse(ctx, info, forbidden('Chat widget only')),
);

/** A member of a tenant (operator or API client), calling from an address the tenant allows. */
export const isTenantMember = rule({ cache: 'contextual' })((_parent, _args, ctx: SubgraphContext, info) => {
  const { principal, tenant, clientIp, accessPolicy } = ctx.claims;
  if (principal.kind === 'anonymous') return refuse(ctx, info, unauthenticated());
  if (!tenant || (principal.kind !== 'operator' && principal.kind !== 'api_client')) {
    return refuse(ctx, info, forbidden('This operation needs a tenant member'));
  }
  return addressAllowed(clientIp, accessPolicy) ? true : refuse(ctx, info, ipNotAllowed());
});

export const isPlatformOperator = rule({ cache: 'contextual' })((_parent, _args, ctx: SubgraphContext, info) =>
  ctx.claims.principal.kind === 'platform' ? true : refuse(ctx, info, forbidden('Platform operators only')),
);

/** The gateway acting for itself (health checks, schema fetches), never on behalf of a user. */
export const isGatewayService = rule({ cache: 'contextual' })((_parent, _args, ctx: SubgraphContext, info) =>
  ctx.claims.principal.kind === 'service' ? true : refuse(ctx, info, forbidden()),
);

/**
 * Another subgraph calling over its service link, for a tenant. Only the named callers pass; the
 * caller's identity comes from the link key that signed the context, never from its claims.
 */
const subgraphRules = new Map<string, Rule>();

export function fromSubgraph(...callers: string[]): Rule {
  // One rule object per name: shield refuses two different rules with the same name.
  const name = `fromSubgraph(${callers.join(',')})`;
  const cached = subgraphRules.get(name);
  if (cached) return cached;
  const created = rule(name, { cache: 'contextual' })((_parent, _args, ctx: SubgraphContext, info) => {
    const { principal, tenant } = ctx.claims;
    if (principal.kind !== 'subgraph' || !callers.includes(principal.id)) return refuse(ctx, info, forbidden('Service calls only'));
    return tenant ? true : refuse(ctx, info, forbidden('A service call needs a tenant'));
  }) as unknown as Rule;
  subgraphRules.set(name, created);
  return created;
}

type Rule = ReturnType<ReturnType<typeof rule>>;
const scopeRules = new Map<Scope, Rule>();

/** The scope, held by a tenant member calling from an allowed address. */
export function can(scope: Scope): Rule {
  let cached = scopeRules.get(scope);
  if (!cached) {
    const holds = rule(`can(${scope})`, { cache: 'contextual' })((_parent, _args, ctx: SubgraphContext, info) =>
      ctx.can(scope) ? true : refuse(ctx, info, forbidden(`Requires the ${scope} permission`)),
    );
    cached = and(isTenantMember, holds) as unknown as Rule;
    scopeRules.set(scope, cached);
  }
  return cached;
}

export const shieldOptions = {
  fallbackRule: deny,
  allowExternalErrors: true,
  fallbackError: () => markRefusal(new DomainError('FORBIDDEN', 'Not allowed'), null),
};
