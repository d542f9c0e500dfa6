import { serviceOperation, type ChannelValue, type RecipientRoleValue } from '../service-operation';

// Operations the consent subgraph answers over service links.

export type ContactRefusal = 'OPTED_OUT' | 'RESTRICTED';
export interface ContactDecision {
  allowed: boolean;
  reason: ContactRefusal | null;
}

/** Before an outbound interaction: may the tenant contact the end-user on this channel? */
export const CONTACT_DECISION = serviceOperation<{ endUserId: string; channel: ChannelValue }, { contactDecision: ContactDecision }>(
  'consent',
  ['interactions'],
  /* GraphQL */ `query ContactDecision($endUserId: ID!, $channel: Channel!) { contactDecision(endUserId: $endUserId, channel: $channel) { allowed reason } }`,
);

export type SharingRefusal = 'NO_OPT_IN' | 'RENEWAL_NEEDED' | 'RESTRICTED';
export interface SharingDecision {
  allowed: boolean;
  reason: SharingRefusal | null;
}

/** Before a CRM push or lookup: may the end-user's data go to a recipient of this role? */
export const SHARING_DECISION = serviceOperation<{ endUserId: string; recipient: RecipientRoleValue }, { sharingDecision: SharingDecision }>(
  'consent',
  ['crm'],
  /* GraphQL */ `query SharingDecision($endUserId: ID!, $recipient: RecipientRole!) { sharingDecision(endUserId: $endUserId, recipient: $recipient) { allowed reason } }`,
);

/** A restriction request placed (true) or lifted (false): contact stops or resumes. */
export const SET_PROCESSING_RESTRICTION = serviceOperation<{ id: string; restricted: boolean }, { setProcessingRestriction: boolean }>(
  'consent',
  ['identity'],
  /* GraphQL */ `mutation SetProcessingRestriction($id: ID!, $restricted: Boolean!) { setProcessingRestriction(endUserId: $id, restricted: $restricted) }`,
);

export const RECORD_OBJECTION = serviceOperation<{ id: string }, { recordObjection: boolean }>(
  'consent',
  ['identity'],
  /* GraphQL */ `mutation RecordObjection($id: ID!) { recordObjection(endUserId: $id) }`,
);

/** The end-user's consent records, as JSON text, for an access request. */
export const PRIVACY_EXPORT_CONSENT = serviceOperation<{ id: string }, { document: string }>(
  'consent',
  ['identity'],
  /* GraphQL */ `query PrivacyExportConsent($id: ID!) { document: privacyExportConsent(endUserId: $id) }`,
);

export const PRIVACY_ERASE_CONSENT = serviceOperation<{ id: string }, { erased: number }>(
  'consent',
  ['identity'],
  /* GraphQL */ `mutation PrivacyEraseConsent($id: ID!) { erased: privacyEraseConsent(endUserId: $id) }`,
);
