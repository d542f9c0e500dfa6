import type { SubgraphContext } from '../../kit/context';

/** What the CRM may receive of an end-user, as identity hands it over. */
export interface CrmProfile {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
}

const PROFILE = 'query CrmProfile($id: ID!) { endUserForCrm(id: $id) { id firstName lastName email phone } }';

/** Profiles from the identity subgraph, for this request's tenant; null when it has no such end-user. */
export async function profileFor(ctx: SubgraphContext, endUserId: string): Promise<CrmProfile | null> {
  const data = await ctx.callService<{ endUserForCrm: CrmProfile | null }>('identity', PROFILE, { id: endUserId });
  return data.endUserForCrm;
}
