import type { ApolloServerPlugin } from '@apollo/server';
import type { SubgraphContext } from '../context';

/** Refusals made by shield rules, with the field whose rule made them first. */
const refusals = new WeakMap<Error, { field: string | null }>();

export function markRefusal<E extends Error>(error: E, field: string | null): E {
  if (!refusals.has(error)) refusals.set(error, { field });
  return error;
}

/**
 * Logs "access denied" for each refusal in the response the caller gets, with who, which tenant,
 * what and from where; never with secrets. A rule shield evaluated that did not decide the answer
 * (one branch of an `or`, say) is not in the response, so it is not logged.
 */
export const denialLog: ApolloServerPlugin<SubgraphContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, errors, operationName, operation }) {
        if (!errors?.length || !contextValue?.claims) return;
        const { requestId, tenant, principal, clientIp } = contextValue.claims;
        for (const error of errors) {
          const original = error.originalError;
          const refusal = original && refusals.get(original);
          if (!refusal) continue;
          const last = error.path?.[error.path.length - 1];
          // A contextual rule's cached refusal is reused for later fields: name the field it reached.
          const field = refusal.field && typeof last === 'string' && !refusal.field.endsWith(`.${last}`) ? last : (refusal.field ?? last ?? null);
          contextValue.logger.warn(
            {
              requestId,
              tenant: tenant?.slug ?? null,
              principal: `${principal.kind}:${principal.id}`,
              ip: clientIp,
              operation: operationName ?? operation?.operation,
              field,
              path: error.path?.join('.'),
              reason: original.message,
              code: (error.extensions?.code as string | undefined) ?? null,
            },
            'access denied',
          );
        }
      },
    };
  },
};
