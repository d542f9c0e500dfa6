import { serviceOperation } from '../service-operation';

// Operations the interactions subgraph answers over service links.

/** The end-user's interactions and transcripts, as JSON text, for an access request. */
export const PRIVACY_EXPORT_INTERACTIONS = serviceOperation<{ id: string }, { document: string }>(
  'interactions',
  ['identity'],
  /* GraphQL */ `query PrivacyExportInteractions($id: ID!) { document: privacyExportInteractions(endUserId: $id) }`,
);

export const PRIVACY_ERASE_INTERACTIONS = serviceOperation<{ id: string }, { erased: number }>(
  'interactions',
  ['identity'],
  /* GraphQL */ `mutation PrivacyEraseInteractions($id: ID!) { erased: privacyEraseInteractions(endUserId: $id) }`,
);
