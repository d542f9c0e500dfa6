import ipaddr from 'ipaddr.js';
import { rule, and, or, allow, deny } from 'graphql-shield';
import { DomainError, forbidden, ipNotAllowed, unauthenticated } from '../errors';
import type { SubgraphContext } from '../context';
import type { AccessPolicyClaims } from './signed-context';

export { allow, deny, and, or };

/** Parses an address the way every check compares it: IPv4-mapped IPv6 becomes IPv4. */
export function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  try {
    return ipaddr.process(address.trim());
  } catch {
    return null;
  }
}

export function addressAllowed(address: string, policy: AccessPolicyClaims | null): boolean {
  if (!policy || policy.mode === 'EVERYONE') return true;
  const parsed = parseAddress(address);
  if (!parsed) return false;
  return policy.cidrs.some((cidr) => {
    try {
      const [range, bits] = ipaddr.parseCIDR(cidr);
      const network = range.kind() === 'ipv6' && (range as ipaddr.IPv6).isIPv4MappedAddress()
        ? [(range as ipaddr.IPv6).toIPv4Address(), Math.max(0, bits - 96)] as const
        : [range, bits] as const;
      return network[0].kind() === parsed.kind() && parsed.match(network[0] as never, network[1]);
    } catch {
      return false;
    }
  });
}

// Context-only rules may use the contextual cache; rules about a parent object must not.

export const isAuthenticated = rule({ cache: 'contextual' })((_parent, _args, ctx: SubgraphContext) =>
  ctx.claims.principal.kind === 'anonymous' ? unauthenticated() : true,
);

/** A member of a tenant (operator or API client), calling from an address the tenant allows. */
export const isTenantMember = rule({ cache: 'contextual' })((_parent, _args, ctx: SubgraphContext) => {
  const { principal, tenant, clientIp, accessPolicy } = ctx.claims;
  if (principal.kind === 'anonymous') return unauthenticated();
  if (!tenant || (principal.kind !== 'operator' && principal.kind !== 'api_client')) {
    return forbidden('This operation needs a tenant member');
  }
  return addressAllowed(clientIp, accessPolicy) ? true : ipNotAllowed();
});

export const isPlatformOperator = rule({ cache: 'contextual' })((_parent, _args, ctx: SubgraphContext) =>
  ctx.claims.principal.kind === 'platform' ? true : forbidden('Platform operators only'),
);

/** The gateway's own calls without an end user (health checks, schema fetches). */
export const isGatewayService = rule({ cache: 'contextual' })((_parent, _args, ctx: SubgraphContext) =>
  ctx.claims.principal.kind === 'service' ? true : forbidden(),
);

type Rule = ReturnType<ReturnType<typeof rule>>;
const roleRules = new Map<string, Rule>();

/** Any of the given roles; combine with isTenantMember. */
export function hasRole(...roles: string[]): Rule {
  const key = [...roles].sort().join(',');
  let cached = roleRules.get(key);
  if (!cached) {
    cached = rule(`hasRole(${key})`, { cache: 'contextual' })((_parent, _args, ctx: SubgraphContext) =>
      ctx.hasRole(...roles) ? true : forbidden(`Requires one of the roles: ${roles.join(', ')}`),
    );
    roleRules.set(key, cached);
  }
  return cached;
}

export const shieldOptions = {
  fallbackRule: deny,
  allowExternalErrors: true,
  fallbackError: () => new DomainError('FORBIDDEN', 'Not allowed'),
};
