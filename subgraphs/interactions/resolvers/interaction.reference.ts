import { byKeys, type SubgraphContext } from '../../kit/context';
import { endUserStubReference } from '../../kit/end-user-reference';
import type { Interaction } from '../entities/interaction.entity';
import { InteractionService } from '../services/interaction.service';
import { identityEndUserCheck } from '../../kit/end-user-guard';

/** Batched per request and scoped to the caller's tenant. */
export function interactionLoader(ctx: SubgraphContext) {
  return ctx.loader<string, Interaction | null>('Interaction.byId', async (ids) =>
    byKeys(ids, await new InteractionService(ctx.scope, ctx.subjectKeys, undefined, identityEndUserCheck(ctx)).findMany(ids), (row) => row.id),
  );
}

export const interactionReferences = {
  ...endUserStubReference(),
  Interaction: {
    __resolveReference: (reference: { id: string }, ctx: SubgraphContext) => interactionLoader(ctx).load(reference.id),
  },
};
