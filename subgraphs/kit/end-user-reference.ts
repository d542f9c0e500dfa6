import type { SubgraphContext } from './context';

/**
 * Reference resolver for subgraphs that extend EndUser: they hold no end-user row, so the
 * reference is passed on, but only inside a tenant scope (every field they add filters by it).
 */
export function endUserStubReference() {
  return {
    EndUser: {
      __resolveReference: (reference: { id: string }, ctx: SubgraphContext) => {
        void ctx.tenantId;
        return { id: reference.id };
      },
    },
  };
}
