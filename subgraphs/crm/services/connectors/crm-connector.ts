/** A CRM record in the one shape the graph shows, whatever the provider. */
export interface CrmRecordData {
  externalId: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  company: string | null;
  owner: string | null;
  /** Where a person opens the record in the CRM, when the provider's answer allows building it. */
  url: string | null;
  /** The provider's own fields as it returned them, flattened to text. */
  fields: Record<string, string | null>;
}

/** What the platform sends: absent fields are left as they are in the CRM. */
export interface CrmContact {
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
}

/** One provider's contact API, as privacy requests and sync need it: find, read, create, update, delete. */
export interface CrmConnector {
  findByEmail(email: string): Promise<CrmRecordData | null>;
  findByPhone(phone: string): Promise<CrmRecordData | null>;
  /** Records by id, in as few calls as the provider allows; ids the CRM does not have are absent. */
  readMany(ids: readonly string[]): Promise<Map<string, CrmRecordData>>;
  create(contact: CrmContact): Promise<string>;
  /** Throws a `not_found` CrmError when the CRM no longer has the record. */
  update(id: string, contact: CrmContact): Promise<void>;
  /** Deletes for good; false when the CRM had no such record (already done). */
  delete(id: string): Promise<boolean>;
}

/**
 * Why a CRM call failed. `unavailable` (unreachable, slow, 5xx, 429, circuit open) is what the
 * circuit breaker counts and what safe calls retry; the others are answers, not outages.
 */
export type CrmErrorKind = 'unavailable' | 'auth' | 'not_found' | 'rejected';

/** Carries no response body, header or credential: its message may be stored and shown. */
export class CrmError extends Error {
  constructor(
    readonly kind: CrmErrorKind,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'CrmError';
  }
}

export const text = (value: unknown): string | null =>
  value === null || value === undefined || value === '' ? null : typeof value === 'object' ? JSON.stringify(value) : String(value);

export const joinName = (...parts: (string | null | undefined)[]): string | null => parts.filter(Boolean).join(' ') || null;

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
