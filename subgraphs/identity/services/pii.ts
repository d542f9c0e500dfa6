/** What a caller without `pii:read` sees of an SSN: its last four digits. */
export function maskSsn(ssn: string): string {
  return `***-**-${ssn.slice(-4)}`;
}
