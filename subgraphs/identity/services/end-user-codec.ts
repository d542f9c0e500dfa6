import type { FieldCipher } from '../../shared/crypto/field-cipher';
import type { EndUser, Gender, Geolocation, MaritalStatus, PostalAddress } from '../entities/end-user.entity';

/** Plain values of the encrypted fields, as the API shows them. */
export interface EncryptedFields {
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
export const ENCRYPTED_FIELDS: EncryptedField[] = ['email', 'phone', 'address', 'gender', 'dateOfBirth', 'ssn', 'maritalStatus', 'geolocation'];
/** The fields that need `pii:read` to be seen whole; every read of them is audited. */
export const SENSITIVE_FIELDS: EncryptedField[] = ['ssn', 'dateOfBirth', 'gender', 'maritalStatus', 'geolocation'];

export const normaliseEmail = (email: string) => email.trim().toLowerCase();

type Column = `${EncryptedField}Encrypted`;

/** Moves one tenant's end-user fields in and out of their encrypted columns. */
export class EndUserCodec {
  constructor(private readonly cipher: FieldCipher) {}

  /** Associated data: the ciphertext is only valid in this tenant, record and column. */
  private context(row: EndUser, field: EncryptedField): string {
    return `end_users/${row.tenantId}/${row.id}/${field}`;
  }

  write<F extends EncryptedField>(row: EndUser, field: F, value: EncryptedFields[F] | null | undefined): void {
    const column = `${field}Encrypted` as Column;
    const stored = field === 'email' && typeof value === 'string' ? normaliseEmail(value) : value;
    (row as unknown as Record<Column, string | null>)[column] =
      stored === null || stored === undefined ? null : this.cipher.encrypt(JSON.stringify(stored), this.context(row, field));
    if (field === 'email') row.emailIndex = typeof stored === 'string' ? this.emailIndex(stored) : null;
    if (field === 'phone') row.phoneIndex = typeof stored === 'string' ? this.phoneIndex(stored) : null;
  }

  read<F extends EncryptedField>(row: EndUser, field: F): EncryptedFields[F] | null {
    const ciphertext = (row as unknown as Record<Column, string | null>)[`${field}Encrypted` as Column];
    if (!ciphertext) return null;
    const value = JSON.parse(this.cipher.decrypt(ciphertext, this.context(row, field)));
    if (field === 'geolocation' && value) value.capturedAt = new Date(value.capturedAt);
    return value;
  }

  emailIndex(email: string): string {
    return this.cipher.blindIndex(normaliseEmail(email), 'email');
  }

  phoneIndex(phone: string): string {
    return this.cipher.blindIndex(phone.trim(), 'phone');
  }
}
