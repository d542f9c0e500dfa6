import type { EndUser } from '../../subgraphs/identity/entities/end-user.entity';
import { endUserField } from '../../subgraphs/identity/resolvers/end-user.resolver';
import { ENCRYPTED_FIELDS, SENSITIVE_FIELDS, type EncryptedField } from '../../subgraphs/identity/services/end-user-codec';
import type { RequestContext } from '../../subgraphs/kit/context';

describe('end-user fields and SENSITIVE_FIELDS', () => {
  const endUser = { id: 'eu-1' } as EndUser;
  const caller = (scopes: string[]) => ({ can: (scope: string) => scopes.includes(scope) }) as unknown as RequestContext;
  const read = async (_ctx: RequestContext, _endUser: EndUser, field: EncryptedField) => `value of ${field}` as never;

  it('without pii:read, exactly the fields of SENSITIVE_FIELDS are withheld (masked or null)', async () => {
    const withheld: string[] = [];
    for (const field of ENCRYPTED_FIELDS) {
      const value = await endUserField(caller(['profiles:read']), endUser, field, () => 'masked' as never, read);
      if (value !== `value of ${field}`) withheld.push(field);
      if (value !== `value of ${field}`) expect(value).toBe('masked');
    }
    expect(withheld.sort()).toEqual([...SENSITIVE_FIELDS].sort());
  });

  it('a sensitive field without a mask is null, and whole with pii:read', async () => {
    for (const field of SENSITIVE_FIELDS) {
      expect(await endUserField(caller(['profiles:read']), endUser, field, undefined, read)).toBeNull();
      expect(await endUserField(caller(['profiles:read', 'pii:read']), endUser, field, undefined, read)).toBe(`value of ${field}`);
    }
  });
});
