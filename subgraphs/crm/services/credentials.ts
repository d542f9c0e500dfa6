import type { FieldCipher } from '../../shared/crypto/field-cipher';
import { badInput } from '../../shared/errors';
import { CrmProvider, type CrmConnection } from '../entities/crm-connection.entity';
import type { CrmCredentialsInput } from '../inputs/crm.input';
import type { CrmCredentials } from './crm-runtime';

/** What each provider needs; anything else given is dropped, not stored. */
export function credentialsFor(provider: CrmProvider, input: CrmCredentialsInput | null | undefined): CrmCredentials {
  if (!input) throw badInput('credentials', 'are required');
  if (provider === CrmProvider.ZENDESK) {
    if (!input.email) throw badInput('credentials.email', 'is required for Zendesk');
    if (!input.apiToken) throw badInput('credentials.apiToken', 'is required for Zendesk');
    return { email: input.email, apiToken: input.apiToken };
  }
  if (!input.accessToken) throw badInput('credentials.accessToken', `is required for ${provider === CrmProvider.HUBSPOT ? 'HubSpot' : 'Salesforce'}`);
  return { accessToken: input.accessToken };
}

/** Associated data: the ciphertext is valid only for this tenant, connection and column. */
const context = (row: CrmConnection) => `crm_connections/${row.tenantId}/${row.id}/credentials`;

export function sealCredentials(cipher: FieldCipher, row: CrmConnection, credentials: CrmCredentials): void {
  row.credentialsEncrypted = cipher.encrypt(JSON.stringify(credentials), context(row));
}

export function openCredentials(cipher: FieldCipher, row: CrmConnection): CrmCredentials | null {
  return row.credentialsEncrypted ? (JSON.parse(cipher.decrypt(row.credentialsEncrypted, context(row))) as CrmCredentials) : null;
}
