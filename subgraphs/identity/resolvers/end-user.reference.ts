import { byKeys } from '../../kit/context';
import { EndUser } from '../entities/end-user.entity';
import type { IdentityContext } from '../services';

/** Batched per request and scoped to the caller's tenant: another tenant's id resolves to null. */
export function endUserLoader(ctx: IdentityContext) {
  return ctx.loader<string, EndUser | null>('EndUser.byId', async (ids) =>
    byKeys(ids, await ctx.services.endUsers.findMany(ids), (row) => row.id),
  );
}

export const endUserReference = {
  EndUser: {
    __resolveReference: (reference: { id: string }, ctx: IdentityContext) => endUserLoader(ctx).load(reference.id),
  },
};
