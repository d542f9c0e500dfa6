import { chunks, CrmError, joinName, text, type CrmConnector, type CrmContact, type CrmRecordData } from './crm-connector';
import type { CrmHttp } from './crm-http';

interface ZendeskUser {
  id: number;
  name: string;
  email: string | null;
  phone: string | null;
  organization_id?: number | null;
  user_fields?: Record<string, unknown>;
  [field: string]: unknown;
}

const NUMERIC_ID = /^\d{1,20}$/;
const SHOW_MANY_LIMIT = 100;

/** Zendesk Support users: search, show_many, create, update, and delete followed by permanent deletion. */
export class ZendeskConnector implements CrmConnector {
  constructor(
    private readonly http: CrmHttp,
    private readonly baseUrl: string,
  ) {}

  /** Zendesk's API-token authentication: `{email}/token:{api_token}` as HTTP basic credentials. */
  static authorization(credentials: { email: string; apiToken: string }): string {
    return `Basic ${Buffer.from(`${credentials.email}/token:${credentials.apiToken}`).toString('base64')}`;
  }

  findByEmail(email: string) {
    return this.search(`email:${email}`);
  }

  findByPhone(phone: string) {
    return this.search(`phone:${phone}`);
  }

  private async search(query: string): Promise<CrmRecordData | null> {
    const { body } = await this.http.send<{ users: ZendeskUser[] }>({
      method: 'GET',
      path: '/api/v2/users/search.json',
      query: { query },
      safe: true,
    });
    const [first] = body?.users ?? [];
    return first ? this.normalise(first) : null;
  }

  async readMany(ids: readonly string[]): Promise<Map<string, CrmRecordData>> {
    const found = new Map<string, CrmRecordData>();
    for (const batch of chunks(ids.filter((id) => NUMERIC_ID.test(id)), SHOW_MANY_LIMIT)) {
      const { body } = await this.http.send<{ users: ZendeskUser[] }>({
        method: 'GET',
        path: '/api/v2/users/show_many.json',
        query: { ids: batch.join(',') },
        safe: true,
      });
      for (const user of body?.users ?? []) found.set(String(user.id), this.normalise(user));
    }
    return found;
  }

  async create(contact: CrmContact): Promise<string> {
    const user = { name: joinName(contact.firstName, contact.lastName) ?? contact.email ?? 'Unknown', email: contact.email ?? undefined, phone: contact.phone ?? undefined };
    const { body } = await this.http.send<{ user: ZendeskUser }>({ method: 'POST', path: '/api/v2/users.json', body: { user } });
    if (!body?.user?.id) throw new CrmError('unavailable', 'Zendesk did not return the new user');
    return String(body.user.id);
  }

  async update(id: string, contact: CrmContact): Promise<void> {
    if (!NUMERIC_ID.test(id)) throw new CrmError('not_found', 'Zendesk has no such record');
    const user: Record<string, string | null> = {};
    if (contact.firstName !== undefined || contact.lastName !== undefined) {
      // Zendesk keeps one name: a change to one part keeps the other from the current record.
      let [first, last] = [contact.firstName, contact.lastName];
      if (first === undefined || last === undefined) {
        const current = (await this.readMany([id])).get(id);
        if (!current) throw new CrmError('not_found', 'Zendesk has no such record');
        const [currentFirst, ...currentLast] = (current.name ?? '').split(' ');
        first = first === undefined ? currentFirst : first;
        last = last === undefined ? currentLast.join(' ') : last;
      }
      user.name = joinName(first, last) ?? 'Unknown';
    }
    if (contact.email !== undefined) user.email = contact.email;
    if (contact.phone !== undefined) user.phone = contact.phone;
    await this.http.send({ method: 'PUT', path: `/api/v2/users/${id}.json`, body: { user } });
  }

  async delete(id: string): Promise<boolean> {
    if (!NUMERIC_ID.test(id)) return false;
    const gone = (error: unknown) => error instanceof CrmError && error.kind === 'not_found';
    let deleted = true;
    try {
      await this.http.send({ method: 'DELETE', path: `/api/v2/users/${id}.json` });
    } catch (error) {
      if (!gone(error)) throw error;
      deleted = false;
    }
    // Deleting only suspends a Zendesk user; privacy erasure needs the permanent deletion too.
    try {
      await this.http.send({ method: 'DELETE', path: `/api/v2/deleted_users/${id}.json` });
      deleted = true;
    } catch (error) {
      if (!gone(error)) throw error;
    }
    return deleted;
  }

  private normalise(user: ZendeskUser): CrmRecordData {
    const { user_fields: userFields = {}, ...rest } = user;
    return {
      externalId: String(user.id),
      name: text(user.name),
      email: text(user.email),
      phone: text(user.phone),
      company: text(userFields.company),
      // Zendesk end-users have no owner.
      owner: null,
      url: `${this.baseUrl.replace(/\/+$/, '')}/agent/users/${user.id}`,
      fields: Object.fromEntries([
        ...Object.entries(rest).map(([k, v]) => [k, text(v)]),
        ...Object.entries(userFields).map(([k, v]) => [`user_fields.${k}`, text(v)]),
      ]),
    };
  }
}
