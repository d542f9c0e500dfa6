import { serviceOperation } from '../service-operation';

// Operations the crm subgraph answers over service links.

/** The end-user's CRM links and what the CRMs hold, as JSON text, for an access request. */
export const PRIVACY_EXPORT_CRM = serviceOperation<{ id: string }, { document: string }>(
  'crm',
  ['identity'],
  /* GraphQL */ `query PrivacyExportCrm($id: ID!) { document: privacyExportCrm(endUserId: $id) }`,
);

export const PRIVACY_ERASE_CRM = serviceOperation<{ id: string }, { erased: number }>(
  'crm',
  ['identity'],
  /* GraphQL */ `mutation PrivacyEraseCrm($id: ID!) { erased: privacyEraseCrm(endUserId: $id) }`,
);

/** The profile fields a rectification may correct in the tenant's CRMs. */
export const RECTIFIABLE_IN_CRM = ['firstName', 'lastName', 'email', 'phone'] as const;
export type CrmRectification = Partial<Record<(typeof RECTIFIABLE_IN_CRM)[number], string | null>>;

export const PRIVACY_RECTIFY_CRM = serviceOperation<{ id: string; input: CrmRectification }, { privacyRectifyCrm: number }>(
  'crm',
  ['identity'],
  /* GraphQL */ `mutation PrivacyRectifyCrm($id: ID!, $input: CrmRectificationInput!) { privacyRectifyCrm(endUserId: $id, input: $input) }`,
);
