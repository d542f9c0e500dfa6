import { chunks, CrmError, joinName, text, type CrmConnector, type CrmContact, type CrmRecordData } from './crm-connector';
import type { CrmHttp } from './crm-http';

export const SALESFORCE_API_VERSION = 'v59.0';
const DATA = `/services/data/${SALESFORCE_API_VERSION}`;
const FIELDS = ['Id', 'FirstName', 'LastName', 'Email', 'Phone', 'Title', 'OwnerId', 'AccountId', 'Account.Name', 'LeadSource'];
/** Salesforce record ids: 15 or 18 letters and digits. Anything else is never put in a query. */
const SALESFORCE_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;
const IN_LIMIT = 100;

interface SalesforceRecord {
  attributes?: { type: string; url: string };
  Id: string;
  Account?: { Name?: string | null } | null;
  [field: string]: unknown;
}

/** A SOQL string literal: backslashes and quotes escaped, so a value cannot change the query. */
export function soqlLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

/** Salesforce REST: SOQL queries for lookups and batch reads, the sObject Contact resource for writes. */
export class SalesforceConnector implements CrmConnector {
  constructor(
    private readonly http: CrmHttp,
    private readonly baseUrl: string,
  ) {}

  static authorization(credentials: { accessToken: string }): string {
    return `Bearer ${credentials.accessToken}`;
  }

  findByEmail(email: string) {
    return this.findOne('Email', email);
  }

  findByPhone(phone: string) {
    return this.findOne('Phone', phone);
  }

  private async query(where: string): Promise<SalesforceRecord[]> {
    const { body } = await this.http.send<{ records: SalesforceRecord[] }>({
      method: 'GET',
      path: `${DATA}/query`,
      query: { q: `SELECT ${FIELDS.join(', ')} FROM Contact WHERE ${where}` },
      safe: true,
    });
    return body?.records ?? [];
  }

  private async findOne(field: 'Email' | 'Phone', value: string): Promise<CrmRecordData | null> {
    const [first] = await this.query(`${field} = ${soqlLiteral(value)} LIMIT 1`);
    return first ? this.normalise(first) : null;
  }

  async readMany(ids: readonly string[]): Promise<Map<string, CrmRecordData>> {
    const found = new Map<string, CrmRecordData>();
    const valid = ids.filter((id) => SALESFORCE_ID.test(id));
    for (const batch of chunks(valid, IN_LIMIT)) {
      for (const record of await this.query(`Id IN (${batch.map(soqlLiteral).join(', ')})`)) {
        const data = this.normalise(record);
        // An 18-character id and its 15-character form name the same record.
        const asked = batch.find((id) => record.Id.startsWith(id) || id.startsWith(record.Id)) ?? record.Id;
        found.set(asked, data);
      }
    }
    return found;
  }

  async create(contact: CrmContact): Promise<string> {
    // LastName is required on a Contact.
    const fields = { ...this.fields(contact), LastName: contact.lastName || contact.firstName || 'Unknown' };
    const { body } = await this.http.send<{ id: string; success: boolean }>({ method: 'POST', path: `${DATA}/sobjects/Contact`, body: fields });
    if (!body?.id) throw new CrmError('unavailable', 'Salesforce did not return the new contact');
    return body.id;
  }

  async update(id: string, contact: CrmContact): Promise<void> {
    if (!SALESFORCE_ID.test(id)) throw new CrmError('not_found', 'Salesforce has no such record');
    const fields = this.fields(contact);
    if (fields.LastName === null) delete fields.LastName;
    await this.http.send({ method: 'PATCH', path: `${DATA}/sobjects/Contact/${id}`, body: fields });
  }

  async delete(id: string): Promise<boolean> {
    if (!SALESFORCE_ID.test(id)) return false;
    try {
      await this.http.send({ method: 'DELETE', path: `${DATA}/sobjects/Contact/${id}` });
      return true;
    } catch (error) {
      if (error instanceof CrmError && error.kind === 'not_found') return false;
      throw error;
    }
  }

  private fields(contact: CrmContact): Record<string, string | null> {
    const map: [keyof CrmContact, string][] = [['firstName', 'FirstName'], ['lastName', 'LastName'], ['email', 'Email'], ['phone', 'Phone']];
    return Object.fromEntries(map.filter(([key]) => contact[key] !== undefined).map(([key, field]) => [field, contact[key] ?? null]));
  }

  private normalise(record: SalesforceRecord): CrmRecordData {
    const { attributes: _attributes, Account, ...rest } = record;
    return {
      externalId: record.Id,
      name: joinName(text(record.FirstName), text(record.LastName)),
      email: text(record.Email),
      phone: text(record.Phone),
      company: text(Account?.Name),
      owner: text(record.OwnerId),
      url: `${this.baseUrl.replace(/\/+$/, '')}/lightning/r/Contact/${record.Id}/view`,
      fields: Object.fromEntries([...Object.entries(rest).map(([k, v]) => [k, text(v)]), ['Account.Name', text(Account?.Name)]]),
    };
  }
}
