import { byKeys, type SubgraphContext } from '../../kit/context';
import { EndUser } from '../entities/end-user.entity';
import { EndUserService } from '../services/end-user.service';

/** Batched per request and scoped to the caller's tenant: another tenant's id resolves to null. */
export function endUserLoader(ctx: SubgraphContext) {
  return ctx.loader<string, EndUser | null>('EndUser.byId', async (ids) =>
    byKeys(ids, await new EndUserService(ctx).findMany(ids), (row) => row.id),
  );
}

export const endUserReference = {
  EndUser: {
    __resolveReference: (reference: { id: string }, ctx: SubgraphContext) => endUserLoader(ctx).load(reference.id),
  },
};
