import { validate } from 'class-validator';
import { GraphQLError } from 'graphql';
import pino from 'pino';
import { ArgumentValidationError } from 'type-graphql';
import { CrmCredentialsInput, CrmRectificationInput } from '../../subgraphs/crm/inputs/crm.input';
import { EndUserFieldsInput } from '../../subgraphs/identity/inputs/end-user.input';
import { InviteOperatorInput } from '../../subgraphs/identity/inputs/principal.input';
import { createErrorFormatter } from '../../platform/errors';

/** What a client sees for an input, as the subgraphs' formatter answers it. */
async function answer<T extends object>(input: T) {
  const errors = await validate(input, { skipMissingProperties: true });
  if (errors.length === 0) return null;
  const format = createErrorFormatter(pino({ level: 'silent' }));
  const original = new ArgumentValidationError(errors);
  return format({ message: original.message }, new GraphQLError(original.message, { originalError: original, path: ['x'] }));
}

const fill = <T extends object>(target: T, values: Record<string, unknown>): T => Object.assign(target, values);

describe('email and E.164 validation, one wording everywhere', () => {
  it('refuses a bad email the same way in identity and crm inputs, naming the field', async () => {
    for (const input of [new EndUserFieldsInput(), new InviteOperatorInput(), new CrmCredentialsInput(), new CrmRectificationInput()]) {
      const answered = await answer(fill(input, { email: 'not-an-address', subject: 's', roles: ['agent'] }));
      expect(answered).toMatchObject({ message: 'email: must be a valid email address', extensions: { code: 'BAD_USER_INPUT', field: 'email' } });
    }
  });

  it('refuses a phone number that is not E.164 the same way in identity and crm inputs', async () => {
    for (const input of [new EndUserFieldsInput(), new CrmRectificationInput()]) {
      for (const phone of ['4155550123', '+0155550123', '+1 415 555 0123', '+1234']) {
        const answered = await answer(fill(input, { phone }));
        expect(answered).toMatchObject({ message: 'phone: must be in E.164 format, e.g. +14155550123', extensions: { code: 'BAD_USER_INPUT', field: 'phone' } });
      }
    }
  });

  it('accepts valid addresses and numbers', async () => {
    expect(await answer(fill(new EndUserFieldsInput(), { email: 'ann@example.com', phone: '+14155550123' }))).toBeNull();
    expect(await answer(fill(new CrmRectificationInput(), { email: 'ann@example.com', phone: '+442071838750' }))).toBeNull();
  });
});
