import { byKeys } from '../../kit/context';
import { endUserStubReference } from '../../kit/end-user-reference';
import type { Interaction } from '../entities/interaction.entity';
import type { InteractionsContext } from '../services';

/** Batched per request and scoped to the caller's tenant. */
export function interactionLoader(ctx: InteractionsContext) {
  return ctx.loader<string, Interaction | null>('Interaction.byId', async (ids) =>
    byKeys(ids, await ctx.services.interactions.findMany(ids), (row) => row.id),
  );
}

export const interactionReferences = {
  ...endUserStubReference(),
  Interaction: {
    __resolveReference: (reference: { id: string }, ctx: InteractionsContext) => interactionLoader(ctx).load(reference.id),
  },
};
