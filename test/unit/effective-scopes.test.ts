import fc from 'fast-check';
import { API_CLIENT_SCOPES, effectiveScopes, ROLE_SCOPES, ROLES, SCOPES, type Scope } from '../../subgraphs/kit/auth/roles';

/** What a principal may do, computed afresh: the rule the kept answers must always equal. */
function expected(kind: string, roles: readonly string[], scopes: readonly string[]): Set<Scope> {
  if (kind === 'operator') return new Set(roles.filter((r): r is keyof typeof ROLE_SCOPES => (ROLES as readonly string[]).includes(r)).flatMap((r) => ROLE_SCOPES[r]));
  if (kind === 'api_client') return new Set(scopes.filter((s): s is Scope => (API_CLIENT_SCOPES as readonly string[]).includes(s)));
  return new Set();
}

describe('effective scopes, kept per distinct claims', () => {
  const kind = fc.constantFrom('operator', 'api_client', 'platform', 'service', 'subgraph', 'widget', 'anonymous');
  // Real names, and names built to collide with lists of them under a naive join.
  const name = fc.oneof(fc.constantFrom(...ROLES, ...SCOPES), fc.constantFrom('admin,agent', 'admin\u0001agent', 'admin\u0000', ''), fc.string());
  const claims = fc.record({ kind, roles: fc.array(name, { maxLength: 4 }), scopes: fc.array(name, { maxLength: 4 }) });

  it('answers every principal as if computed afresh, in whatever order principals come', () => {
    fc.assert(
      fc.property(fc.array(claims, { minLength: 1, maxLength: 30 }), (sequence) => {
        for (const { kind: k, roles, scopes } of sequence) expect(effectiveScopes(k, roles, scopes)).toEqual(expected(k, roles, scopes));
      }),
      { numRuns: 300 },
    );
  });

  it('does not hand one principal the scopes of another whose roles join to the same text', () => {
    expect(effectiveScopes('operator', ['analyst', 'admin'], []).has('pii:read')).toBe(true);
    expect(effectiveScopes('operator', ['analyst,admin'], []).size).toBe(0);
    expect(effectiveScopes('operator', ['admin'], []).has('tenant:admin')).toBe(true);
    expect(effectiveScopes('api_client', ['admin'], []).size).toBe(0);
    expect(effectiveScopes('api_client', [], ['pii:read', 'profiles:read'])).toEqual(new Set(['profiles:read']));
    expect(effectiveScopes('platform', ['admin'], ['pii:read']).size).toBe(0);
  });

  it('keeps answering correctly past the number of distinct principals it keeps', () => {
    for (let i = 0; i < 2_500; i++) {
      const roles = i % 2 ? ['agent', `custom-${i}`] : ['admin', `custom-${i}`];
      expect(effectiveScopes('operator', roles, []).has('pii:read')).toBe(i % 2 === 0);
    }
  });
});
