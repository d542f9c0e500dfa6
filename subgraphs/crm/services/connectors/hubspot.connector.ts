import { chunks, CrmError, joinName, text, type CrmConnector, type CrmContact, type CrmRecordData } from './crm-connector';
import type { CrmHttp } from './crm-http';

interface HubSpotObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt?: string;
  updatedAt?: string;
  archived?: boolean;
}

const PROPERTIES = ['firstname', 'lastname', 'email', 'phone', 'company', 'jobtitle', 'hubspot_owner_id', 'lifecyclestage'];
const BATCH_LIMIT = 100;
const CONTACTS = '/crm/v3/objects/contacts';

/** HubSpot CRM v3 contacts: search with filterGroups, batch read, create, patch, delete. */
export class HubSpotConnector implements CrmConnector {
  constructor(private readonly http: CrmHttp) {}

  static authorization(credentials: { accessToken: string }): string {
    return `Bearer ${credentials.accessToken}`;
  }

  findByEmail(email: string) {
    return this.search('email', email);
  }

  findByPhone(phone: string) {
    return this.search('phone', phone);
  }

  private async search(propertyName: string, value: string): Promise<CrmRecordData | null> {
    const { body } = await this.http.send<{ results: HubSpotObject[] }>({
      method: 'POST',
      path: `${CONTACTS}/search`,
      body: { filterGroups: [{ filters: [{ propertyName, operator: 'EQ', value }] }], properties: PROPERTIES, limit: 1 },
      safe: true,
    });
    const [first] = body?.results ?? [];
    return first ? this.normalise(first) : null;
  }

  async readMany(ids: readonly string[]): Promise<Map<string, CrmRecordData>> {
    const found = new Map<string, CrmRecordData>();
    for (const batch of chunks(ids, BATCH_LIMIT)) {
      // A partial answer (207) lists the ids HubSpot does not have among its errors; they stay absent.
      const { body } = await this.http.send<{ results: HubSpotObject[] }>({
        method: 'POST',
        path: `${CONTACTS}/batch/read`,
        body: { properties: PROPERTIES, inputs: batch.map((id) => ({ id })) },
        safe: true,
      });
      for (const result of body?.results ?? []) found.set(String(result.id), this.normalise(result));
    }
    return found;
  }

  async create(contact: CrmContact): Promise<string> {
    const { body } = await this.http.send<HubSpotObject>({ method: 'POST', path: CONTACTS, body: { properties: this.properties(contact) } });
    if (!body?.id) throw new CrmError('unavailable', 'HubSpot did not return the new contact');
    return String(body.id);
  }

  async update(id: string, contact: CrmContact): Promise<void> {
    await this.http.send({ method: 'PATCH', path: `${CONTACTS}/${encodeURIComponent(id)}`, body: { properties: this.properties(contact) } });
  }

  async delete(id: string): Promise<boolean> {
    try {
      await this.http.send({ method: 'DELETE', path: `${CONTACTS}/${encodeURIComponent(id)}` });
      return true;
    } catch (error) {
      if (error instanceof CrmError && error.kind === 'not_found') return false;
      throw error;
    }
  }

  private properties(contact: CrmContact): Record<string, string> {
    const map: [keyof CrmContact, string][] = [['firstName', 'firstname'], ['lastName', 'lastname'], ['email', 'email'], ['phone', 'phone']];
    // HubSpot clears a property set to the empty string.
    return Object.fromEntries(map.filter(([key]) => contact[key] !== undefined).map(([key, property]) => [property, contact[key] ?? '']));
  }

  private normalise(object: HubSpotObject): CrmRecordData {
    const p = object.properties ?? {};
    return {
      externalId: String(object.id),
      name: joinName(p.firstname, p.lastname),
      email: text(p.email),
      phone: text(p.phone),
      company: text(p.company),
      owner: text(p.hubspot_owner_id),
      // HubSpot's API answers with no link to the record (that needs the portal id).
      url: null,
      fields: Object.fromEntries(
        [...Object.entries(p), ['createdAt', object.createdAt], ['updatedAt', object.updatedAt]].map(([k, v]) => [k as string, text(v)]),
      ),
    };
  }
}
