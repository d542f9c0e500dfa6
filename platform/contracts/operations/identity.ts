import { serviceOperation } from '../service-operation';

// Operations the identity subgraph answers over service links.

/** What the CRM may receive of an end-user, as identity hands it over. */
export interface CrmProfile {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
}

export const END_USER_FOR_CRM = serviceOperation<{ id: string }, { endUserForCrm: CrmProfile | null }>(
  'identity',
  ['crm'],
  /* GraphQL */ `query CrmProfile($id: ID!) { endUserForCrm(id: $id) { id firstName lastName email phone } }`,
);

/** End-users of the caller's tenant that exist (missing, erased or being erased ones are left out). */
export interface EndUserStateRecord {
  id: string;
  restricted: boolean;
}

export const END_USER_STATES = serviceOperation<{ ids: string[] }, { endUserStates: EndUserStateRecord[] }>(
  'identity',
  ['interactions', 'consent', 'crm'],
  /* GraphQL */ `query EndUserStates($ids: [ID!]!) { endUserStates(ids: $ids) { id restricted } }`,
);
