import type { RequestContext } from '../../kit/context';
import { END_USER_FOR_CRM, type CrmProfile } from '../../../platform/contracts/operations/identity';

/** Profiles from the identity subgraph, for this request's tenant; null when it has no such end-user. */
export async function profileFor(request: RequestContext, endUserId: string): Promise<CrmProfile | null> {
  const data = await request.callService(END_USER_FOR_CRM, { id: endUserId });
  return data.endUserForCrm;
}
