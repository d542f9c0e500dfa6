/** What a caller may do; roles are named bundles of scopes, API clients hold scopes directly. */
export const SCOPES = [
  'tenant:admin',
  'profiles:read',
  'profiles:write',
  'pii:read',
  'transcripts:read',
  'transcripts:write',
  'consent:read',
  'consent:write',
  /** Publishing the tenant's privacy notice. */
  'policy:manage',
  'crm:read',
  'crm:write',
  'crm:admin',
  'metrics:read',
  'privacy:manage',
  'audit:read',
] as const;
export type Scope = (typeof SCOPES)[number];

export const ROLES = ['admin', 'supervisor', 'agent', 'analyst', 'privacy_officer', 'integrator'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  admin: SCOPES,
  supervisor: [
    'profiles:read', 'profiles:write', 'pii:read', 'transcripts:read', 'transcripts:write',
    'consent:read', 'consent:write', 'crm:read', 'metrics:read',
  ],
  agent: ['profiles:read', 'profiles:write', 'transcripts:read', 'transcripts:write', 'consent:read', 'consent:write', 'crm:read'],
  analyst: ['metrics:read'],
  privacy_officer: [
    'profiles:read', 'pii:read', 'transcripts:read', 'consent:read', 'crm:read', 'privacy:manage', 'policy:manage', 'audit:read',
  ],
  integrator: ['profiles:read', 'profiles:write', 'crm:read', 'crm:write'],
};

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);
export const isScope = (value: string): value is Scope => (SCOPES as readonly string[]).includes(value);

/**
 * Admin-grade scopes: administering the tenant, whole sensitive PII, privacy requests (whose
 * export hands out everything about a person), the audit trail, CRM connections and the tenant's
 * privacy notice. Only people (operators, through roles) hold them, never a machine client.
 */
export const ADMIN_GRADE_SCOPES: readonly Scope[] = ['tenant:admin', 'pii:read', 'privacy:manage', 'audit:read', 'crm:admin', 'policy:manage'];

/** Scopes an API client may be given: an allowlist, so a scope added later is not a client's by default. */
export const API_CLIENT_SCOPES: readonly Scope[] = [
  'profiles:read', 'profiles:write', 'transcripts:read', 'transcripts:write',
  'consent:read', 'consent:write', 'crm:read', 'crm:write', 'metrics:read',
];

const clientScope = (s: string): s is Scope => isScope(s) && API_CLIENT_SCOPES.includes(s);

/** What a stored API client may use of its scopes: one stored before a scope became admin-grade loses it. */
export const apiClientScopes = (scopes: readonly string[]): Scope[] => [...new Set(scopes.filter(clientScope))];

/**
 * Effective scopes of a principal: an operator's come from its roles (unknown roles grant
 * nothing); an API client's are the scopes it was issued, limited to what clients may hold.
 */
export function effectiveScopes(kind: string, roles: readonly string[], scopes: readonly string[]): ReadonlySet<Scope> {
  // A pure function of the signed claims, asked once per subgraph request: kept per distinct
  // (kind, roles, scopes), of which a tenant has few; the sets are shared, so never mutated.
  // JSON: no two different claims share a key, whatever a role's name holds.
  const key = JSON.stringify([kind, roles, scopes]);
  let known = derived.get(key);
  if (!known) {
    if (derived.size >= DERIVED_MAX) derived.clear();
    known = kind === 'operator' ? new Set(roles.filter(isRole).flatMap((role) => ROLE_SCOPES[role])) : kind === 'api_client' ? new Set(apiClientScopes(scopes)) : new Set<Scope>();
    derived.set(key, known);
  }
  return known;
}
const derived = new Map<string, ReadonlySet<Scope>>();
const DERIVED_MAX = 1_000;
