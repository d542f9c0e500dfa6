import type { RequestClaims } from '../../../platform/contracts/signed-context';

/**
 * Everyone a shield rule may be asked about. Who holds what is written out here by hand, not
 * derived from roles.ts: a role given a scope it should not have fails these tests as surely as a
 * loosened rule does.
 */
export const PRINCIPALS = [
  'anonymous',
  'widget',
  'platform',
  'gateway',
  'from:identity',
  'from:interactions',
  'from:consent',
  'from:crm',
  'from:identity without tenant',
  'admin',
  'supervisor',
  'agent',
  'analyst',
  'privacy_officer',
  'integrator',
  'operator without roles',
  'admin off the allowlist',
  'api client',
  // One client per scope a client may hold, so a rule needing two scopes is told from one needing either.
  'client with profiles:read',
  'client with profiles:write',
  'client with transcripts:read',
  'client with transcripts:write',
  'client with consent:read',
  'client with consent:write',
  'client with crm:read',
  'client with crm:write',
  'client with metrics:read',
] as const;
export type Principal = (typeof PRINCIPALS)[number];
const CLIENTS = PRINCIPALS.filter((p) => p.startsWith('client with '));
export type Allowed = ReadonlySet<Principal>;

const acme = { id: 'tenant-acme', slug: 'acme' };
/** Every scope there is, asked for by an API client: only the client-grade ones may count. */
const EVERY_SCOPE = [
  'tenant:admin', 'profiles:read', 'profiles:write', 'pii:read', 'transcripts:read', 'transcripts:write', 'consent:read',
  'consent:write', 'policy:manage', 'crm:read', 'crm:write', 'crm:admin', 'metrics:read', 'privacy:manage', 'audit:read',
];

export function claimsOf(principal: Principal): RequestClaims {
  const base = { requestId: 'permissions', tenant: acme, clientIp: '203.0.113.7', accessPolicy: { mode: 'EVERYONE' as const, cidrs: [] } };
  const who = (kind: RequestClaims['principal']['kind'], id: string, roles: string[] = [], scopes: string[] = []) => ({ kind, id, roles, scopes });
  if (principal.startsWith('from:')) {
    const caller = principal.slice(5).split(' ')[0];
    return { ...base, accessPolicy: null, tenant: principal.endsWith('without tenant') ? null : acme, principal: who('subgraph', caller) };
  }
  switch (principal) {
    case 'anonymous':
      return { ...base, tenant: null, principal: who('anonymous', 'anonymous') };
    case 'widget':
      return { ...base, principal: who('widget', 'widget-key') };
    case 'platform':
      return { ...base, tenant: null, principal: who('platform', 'platform-operator') };
    case 'gateway':
      return { ...base, tenant: null, accessPolicy: null, principal: who('service', 'gateway') };
    case 'operator without roles':
      return { ...base, principal: who('operator', 'nobody') };
    case 'admin off the allowlist':
      return { ...base, accessPolicy: { mode: 'ALLOWLIST', cidrs: ['198.51.100.0/24'] }, principal: who('operator', 'admin', ['admin']) };
    case 'api client':
      return { ...base, principal: who('api_client', 'client', [], EVERY_SCOPE) };
    default:
      if (principal.startsWith('client with ')) return { ...base, principal: who('api_client', principal, [], [principal.slice(12)]) };
      return { ...base, principal: who('operator', principal, [principal]) };
  }
}

const set = (...principals: Principal[]): Allowed => new Set(principals);
export const union = (...sets: Allowed[]): Allowed => new Set(sets.flatMap((s) => [...s]));
export const both = (a: Allowed, b: Allowed): Allowed => new Set([...a].filter((p) => b.has(p)));

export const NOBODY = set();
/** Tenant members calling from an address their tenant allows. */
export const MEMBERS = set('admin', 'supervisor', 'agent', 'analyst', 'privacy_officer', 'integrator', 'operator without roles', 'api client', ...CLIENTS);
export const PLATFORM = set('platform');
export const GATEWAY = set('gateway');
export const WIDGET = set('widget');
/** Anyone signed in other than a widget key: people, the gateway and subgraphs alike. */
export const AUTHENTICATED = set(...PRINCIPALS.filter((p) => p !== 'anonymous' && p !== 'widget'));
export const EVERYONE = set(...PRINCIPALS);
/** A service call from these subgraphs, for a tenant. */
export const from = (...callers: ('identity' | 'interactions' | 'consent' | 'crm')[]): Allowed =>
  set(...callers.map((caller) => `from:${caller}` as Principal));

/** Members holding the scope: the roles that bundle it, and the API clients given it when clients may hold it. */
const ROLE_HOLDERS = {
  'tenant:admin': set('admin'),
  'profiles:read': set('admin', 'supervisor', 'agent', 'privacy_officer', 'integrator', 'api client'),
  'profiles:write': set('admin', 'supervisor', 'agent', 'integrator', 'api client'),
  'pii:read': set('admin', 'supervisor', 'privacy_officer'),
  'transcripts:read': set('admin', 'supervisor', 'agent', 'privacy_officer', 'api client'),
  'transcripts:write': set('admin', 'supervisor', 'agent', 'api client'),
  'consent:read': set('admin', 'supervisor', 'agent', 'privacy_officer', 'api client'),
  'consent:write': set('admin', 'supervisor', 'agent', 'api client'),
  'policy:manage': set('admin', 'privacy_officer'),
  'crm:read': set('admin', 'supervisor', 'agent', 'privacy_officer', 'integrator', 'api client'),
  'crm:write': set('admin', 'integrator', 'api client'),
  'crm:admin': set('admin'),
  'metrics:read': set('admin', 'supervisor', 'analyst', 'api client'),
  'privacy:manage': set('admin', 'privacy_officer'),
  'audit:read': set('admin', 'privacy_officer'),
} as const;
export type ScopeName = keyof typeof ROLE_HOLDERS;
const holders = (scope: ScopeName): Allowed =>
  union(ROLE_HOLDERS[scope], set(...CLIENTS.filter((client) => client === `client with ${scope}`)));
export const holding = (...scopes: ScopeName[]): Allowed => scopes.map(holders).reduce(both);

/** What each field of a subgraph's schema is open to: `Type.field`, or `Type` for all its fields. */
export type Expectations = Record<string, Allowed>;
