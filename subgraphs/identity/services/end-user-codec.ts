import { ciphertextVersion, SUBJECT_KEY_VERSION, type FieldCipher } from '../../kit/crypto/field-cipher';
import type { SubjectKeys } from '../../kit/crypto/subject-keys';
import type { EndUser, Gender, Geolocation, MaritalStatus, PostalAddress } from '../entities/end-user.entity';

/** Plain values of the encrypted fields, as the API shows them. */
export interface EncryptedFields {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  address: PostalAddress | null;
  gender: Gender | null;
  dateOfBirth: string | null;
  ssn: string | null;
  maritalStatus: MaritalStatus | null;
  geolocation: Geolocation | null;
}
export type EncryptedField = keyof EncryptedFields;
export const ENCRYPTED_FIELDS: EncryptedField[] = [
  'firstName', 'lastName', 'email', 'phone', 'address', 'gender', 'dateOfBirth', 'ssn', 'maritalStatus', 'geolocation',
];
/** The fields that need `pii:read` to be seen whole; every read of them is audited. */
export const SENSITIVE_FIELDS = ['ssn', 'dateOfBirth', 'gender', 'maritalStatus', 'geolocation'] as const satisfies readonly EncryptedField[];
export type SensitiveField = (typeof SENSITIVE_FIELDS)[number];
export const isSensitiveField = (field: EncryptedField): field is SensitiveField => (SENSITIVE_FIELDS as readonly EncryptedField[]).includes(field);

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

type Column = `${EncryptedField}Encrypted`;
const LEGACY_NAME = { firstName: 'legacyFirstName', lastName: 'legacyLastName' } as const;

const columnOf = (row: EndUser, field: EncryptedField) => (row as unknown as Record<Column, string | null>)[`${field}Encrypted` as Column];

/**
 * Moves one end-user's fields in and out of their encrypted columns. New values go under the
 * person's own key (`s1`); values written before per-person keys (`v1`, under the tenant key) and
 * names stored in clear still read until the backfill moves them. Blind indexes stay under the
 * tenant's index key, so lookups work across people.
 */
export class EndUserCodec {
  constructor(
    private readonly tenant: FieldCipher,
    /** The person's cipher: null when their key is gone (erased) or, for reads, was never made. */
    private readonly person: FieldCipher | null,
  ) {}

  /** The codec for one row: one batched key-store read per request for a page of people. */
  static async forRow(keys: SubjectKeys, tenant: FieldCipher, row: EndUser, write = false): Promise<EndUserCodec> {
    return new EndUserCodec(tenant, write ? await keys.cipherForWrite(row.id) : await keys.cipher(row.id));
  }

  /** Associated data: the ciphertext is only valid in this tenant, record and column. */
  private context(row: EndUser, field: EncryptedField): string {
    return `end_users/${row.tenantId}/${row.id}/${field}`;
  }

  write<F extends EncryptedField>(row: EndUser, field: F, value: EncryptedFields[F] | null | undefined): void {
    if (!this.person) throw new Error('no key for this end-user');
    const stored = field === 'email' && typeof value === 'string' ? normaliseEmail(value) : value;
    (row as unknown as Record<Column, string | null>)[`${field}Encrypted` as Column] =
      stored === null || stored === undefined ? null : this.person.encrypt(JSON.stringify(stored), this.context(row, field));
    if (field === 'firstName' || field === 'lastName') row[LEGACY_NAME[field as keyof typeof LEGACY_NAME]] = null;
    if (field === 'email') row.emailIndex = typeof stored === 'string' ? this.emailIndex(stored) : null;
    if (field === 'phone') row.phoneIndex = typeof stored === 'string' ? this.phoneIndex(stored) : null;
  }

  read<F extends EncryptedField>(row: EndUser, field: F): EncryptedFields[F] | null {
    const ciphertext = columnOf(row, field);
    if (!ciphertext) return field === 'firstName' || field === 'lastName' ? (row[LEGACY_NAME[field as keyof typeof LEGACY_NAME]] as EncryptedFields[F]) : null;
    const cipher = ciphertextVersion(ciphertext) === SUBJECT_KEY_VERSION ? this.person : this.tenant;
    // A person whose key was destroyed has nothing left to read.
    if (!cipher) return null;
    const value = JSON.parse(cipher.decrypt(ciphertext, this.context(row, field)));
    if (field === 'geolocation' && value) value.capturedAt = new Date(value.capturedAt);
    return value;
  }

  /** Whether the row still holds a value under the tenant key or a name in clear (for the backfill). */
  needsUpgrade(row: EndUser): boolean {
    return Boolean(row.legacyFirstName || row.legacyLastName) || ENCRYPTED_FIELDS.some((field) => {
      const ciphertext = columnOf(row, field);
      return ciphertext !== null && ciphertext !== undefined && ciphertextVersion(ciphertext) !== SUBJECT_KEY_VERSION;
    });
  }

  /** Re-encrypts every field of the row under the person's key; returns whether anything changed. */
  upgrade(row: EndUser): boolean {
    if (!this.needsUpgrade(row)) return false;
    for (const field of ENCRYPTED_FIELDS) this.write(row, field, this.read(row, field) as never);
    return true;
  }

  emailIndex(email: string): string {
    return this.tenant.blindIndex(normaliseEmail(email), 'email');
  }

  phoneIndex(phone: string): string {
    return this.tenant.blindIndex(phone.trim(), 'phone');
  }
}
