import { registerEnumType } from 'type-graphql';

/**
 * What a recipient of personal data is to the tenant: a service provider processes it on the
 * tenant's behalf; a third party uses it for its own ends and needs the end-user's opt-in. Shared
 * by the consent subgraph (sub-processors, the sharing gate) and crm (connections).
 */
export enum RecipientRole {
  SERVICE_PROVIDER = 'SERVICE_PROVIDER',
  THIRD_PARTY = 'THIRD_PARTY',
}
registerEnumType(RecipientRole, { name: 'RecipientRole', description: 'Service provider (processes for the tenant) or third party.' });
