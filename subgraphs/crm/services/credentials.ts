import type { FieldCipher } from '../../kit/crypto/field-cipher';
import { badInput } from '../../../platform/errors';
import { CrmProvider, type CrmConnection } from '../entities/crm-connection.entity';
import type { CrmCredentialsInput } from '../inputs/crm.input';
import { crmOrigin } from './base-url';
import { CrmError } from './connectors/crm-connector';
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

/**
 * Associated data: the ciphertext is valid only for this tenant, connection and column, and for
 * the provider and origin (scheme, host, port) it was given for. A row pointed elsewhere, through
 * the API without new credentials or in the database directly, no longer opens its credentials.
 */
function context(row: CrmConnection): string {
  const origin = crmOrigin(row.baseUrl);
  if (!origin) throw new CrmError('auth', 'the connection\'s base URL is unusable; enter its base URL and credentials again');
  return `crm_connections/${row.tenantId}/${row.id}/credentials/${row.provider}/${origin}`;
}

export function sealCredentials(cipher: FieldCipher, row: CrmConnection, credentials: CrmCredentials): void {
  row.credentialsEncrypted = cipher.encrypt(JSON.stringify(credentials), context(row));
}

/** Throws an `auth` CrmError when the credentials were not given for this provider and origin. */
export function openCredentials(cipher: FieldCipher, row: CrmConnection): CrmCredentials | null {
  if (!row.credentialsEncrypted) return null;
  const aad = context(row);
  try {
    return JSON.parse(cipher.decrypt(row.credentialsEncrypted, aad)) as CrmCredentials;
  } catch {
    throw new CrmError('auth', 'the stored credentials were not given for this provider and address; enter them again');
  }
}
