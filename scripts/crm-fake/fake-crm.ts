import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';

/**
 * A local stand-in for three CRMs, speaking the parts of their REST APIs the connectors use:
 * HubSpot CRM v3 contacts, Salesforce REST (sObject Contact and SOQL query) and Zendesk Support
 * users. Each lives under its own prefix (`/hubspot`, `/salesforce`, `/zendesk`), which is the base
 * URL a connection uses. `/__control` is not part of any provider's API: it makes a provider slow or
 * down and counts requests, for tests and demos.
 */

export type FakeProvider = 'hubspot' | 'salesforce' | 'zendesk';
export const FAKE_PROVIDERS: FakeProvider[] = ['hubspot', 'salesforce', 'zendesk'];

export interface FakeCredentials {
  hubspot: { accessToken: string };
  salesforce: { accessToken: string };
  zendesk: { email: string; apiToken: string };
}

/** Development credentials the fake accepts unless told otherwise; they open nothing real. */
export const FAKE_CREDENTIALS: FakeCredentials = {
  hubspot: { accessToken: 'pat-na1-fake-hubspot-private-app-token' },
  salesforce: { accessToken: '00DFAKE!fake-salesforce-oauth-access-token' },
  zendesk: { email: 'integrations@example.com', apiToken: 'fake-zendesk-api-token' },
};

export const SALESFORCE_API_VERSION = 'v59.0';

export type FakeMode =
  | { kind: 'up' }
  | { kind: 'down' }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'flaky'; failures: number }
  /** Answers every call with a redirect to `location` (a CRM trying to lead a client elsewhere). */
  | { kind: 'redirect'; location: string; status?: number };

export interface HubSpotContact {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export interface SalesforceContact {
  Id: string;
  FirstName: string | null;
  LastName: string;
  Email: string | null;
  Phone: string | null;
  Title: string | null;
  OwnerId: string;
  AccountId: string | null;
  AccountName: string | null;
  LeadSource: string | null;
}

export interface ZendeskUser {
  id: number;
  name: string;
  email: string | null;
  phone: string | null;
  role: 'end-user';
  active: boolean;
  organization_id: number | null;
  notes: string;
  user_fields: Record<string, string | null>;
  created_at: string;
  updated_at: string;
}

export interface FakeCrmStores {
  hubspot: Map<string, HubSpotContact>;
  salesforce: Map<string, SalesforceContact>;
  zendesk: Map<number, ZendeskUser>;
  /** Zendesk keeps a soft-deleted user until it is permanently deleted. */
  zendeskDeleted: Map<number, ZendeskUser>;
}

export interface FakeCrm {
  /** Base URL per provider, e.g. `http://127.0.0.1:4010/hubspot`. */
  urls: Record<FakeProvider, string>;
  port: number;
  stores: FakeCrmStores;
  credentials: FakeCredentials;
  setMode(provider: FakeProvider, mode: FakeMode): void;
  /** Requests that reached a provider's API (control calls excluded). */
  requests(provider: FakeProvider): number;
  /** Each request's method and path, in order. */
  log(provider: FakeProvider): string[];
  addHubSpotContact(properties: Record<string, string | null>): HubSpotContact;
  addSalesforceContact(fields: Partial<SalesforceContact> & { LastName: string }): SalesforceContact;
  addZendeskUser(fields: Partial<ZendeskUser> & { name: string }): ZendeskUser;
  close(): Promise<void>;
}

export interface FakeCrmOptions {
  port?: number;
  host?: string;
  /** Serve https with this certificate and key (PEM): production calls only https CRMs. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  credentials?: FakeCredentials;
}

const now = () => new Date().toISOString();
const HUBSPOT_DEFAULT_PROPERTIES = ['firstname', 'lastname', 'email', 'createdate', 'lastmodifieddate', 'hs_object_id'];
const SOQL_FIELDS: Record<string, (c: SalesforceContact) => unknown> = {
  Id: (c) => c.Id,
  FirstName: (c) => c.FirstName,
  LastName: (c) => c.LastName,
  Name: (c) => [c.FirstName, c.LastName].filter(Boolean).join(' '),
  Email: (c) => c.Email,
  Phone: (c) => c.Phone,
  Title: (c) => c.Title,
  OwnerId: (c) => c.OwnerId,
  AccountId: (c) => c.AccountId,
  LeadSource: (c) => c.LeadSource,
  'Account.Name': (c) => c.AccountName,
};

/** `SELECT f1, f2 FROM Contact WHERE Field = 'v'` or `WHERE Id IN ('a', 'b')`, with optional LIMIT. */
function parseSoql(soql: string): { fields: string[]; field: string; values: string[]; limit: number } | null {
  const match = /^\s*SELECT\s+(.+?)\s+FROM\s+Contact\s+WHERE\s+(\w+)\s*(=|IN)\s*(\(.*\)|'(?:\\.|[^'\\])*')\s*(?:LIMIT\s+(\d+))?\s*$/i.exec(soql);
  if (!match) return null;
  const [, fieldList, field, operator, rawValues, limit] = match;
  const literals = [...rawValues.matchAll(/'((?:\\.|[^'\\])*)'/g)].map((m) => m[1].replace(/\\(.)/g, '$1'));
  if (operator.toUpperCase() === '=' && literals.length !== 1) return null;
  return { fields: fieldList.split(',').map((f) => f.trim()), field, values: literals, limit: limit ? Number(limit) : 2000 };
}

function soqlRecord(contact: SalesforceContact, fields: string[]): Record<string, unknown> {
  const record: Record<string, unknown> = {
    attributes: { type: 'Contact', url: `/services/data/${SALESFORCE_API_VERSION}/sobjects/Contact/${contact.Id}` },
  };
  for (const field of fields) {
    if (field === 'Account.Name') {
      record.Account = contact.AccountName === null ? null : { attributes: { type: 'Account' }, Name: contact.AccountName };
    } else {
      record[field] = SOQL_FIELDS[field]?.(contact) ?? null;
    }
  }
  return record;
}

const zendeskUrl = (base: string, user: ZendeskUser) => `${base}/api/v2/users/${user.id}.json`;

export async function startFakeCrm(options: FakeCrmOptions = {}): Promise<FakeCrm> {
  const credentials = options.credentials ?? FAKE_CREDENTIALS;
  const stores: FakeCrmStores = { hubspot: new Map(), salesforce: new Map(), zendesk: new Map(), zendeskDeleted: new Map() };
  const modes: Record<FakeProvider, FakeMode> = { hubspot: { kind: 'up' }, salesforce: { kind: 'up' }, zendesk: { kind: 'up' } };
  const counts: Record<FakeProvider, string[]> = { hubspot: [], salesforce: [], zendesk: [] };
  let sequence = 1000;
  const next = () => ++sequence;

  const addHubSpotContact = (properties: Record<string, string | null>): HubSpotContact => {
    const id = String(next() * 7919);
    const stamp = now();
    const contact: HubSpotContact = {
      id,
      properties: { hubspot_owner_id: '31337', lifecyclestage: 'lead', ...properties, hs_object_id: id, createdate: stamp, lastmodifieddate: stamp },
      createdAt: stamp,
      updatedAt: stamp,
      archived: false,
    };
    stores.hubspot.set(id, contact);
    return contact;
  };
  const addSalesforceContact = (fields: Partial<SalesforceContact> & { LastName: string }): SalesforceContact => {
    const contact: SalesforceContact = {
      FirstName: null, Email: null, Phone: null, Title: null, OwnerId: '005FAKE0000000001AAA', AccountId: null, AccountName: null, LeadSource: null,
      ...fields,
      Id: `003FAKE${String(next()).padStart(8, '0')}AAA`,
    };
    stores.salesforce.set(contact.Id, contact);
    return contact;
  };
  const addZendeskUser = (fields: Partial<ZendeskUser> & { name: string }): ZendeskUser => {
    const stamp = now();
    const user: ZendeskUser = {
      email: null, phone: null, role: 'end-user', active: true, organization_id: null, notes: '', user_fields: {},
      created_at: stamp, updated_at: stamp,
      ...fields,
      id: next() * 104729,
    };
    stores.zendesk.set(user.id, user);
    return user;
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '1mb' }));

  const control = express.Router();
  control.get('/stats', (_req, res) => {
    res.json(Object.fromEntries(FAKE_PROVIDERS.map((p) => [p, { requests: counts[p].length, mode: modes[p] }])));
  });
  control.post('/:provider', (req, res) => {
    const provider = req.params.provider as FakeProvider;
    const body = (req.body ?? {}) as { mode?: string; delayMs?: number; failures?: number };
    if (!FAKE_PROVIDERS.includes(provider)) return void res.status(404).json({ error: 'unknown provider' });
    if (body.mode === 'up' || body.mode === 'down') modes[provider] = { kind: body.mode };
    else if (body.mode === 'slow') modes[provider] = { kind: 'slow', delayMs: Number(body.delayMs ?? 10_000) };
    else if (body.mode === 'flaky') modes[provider] = { kind: 'flaky', failures: Number(body.failures ?? 1) };
    else return void res.status(400).json({ error: 'mode must be up, down, slow or flaky' });
    res.json({ [provider]: modes[provider] });
  });
  app.use('/__control', control);

  /** Counting, outages and slowness, before a provider's own routes. */
  const conditions = (provider: FakeProvider) => (req: Request, res: Response, nextHandler: NextFunction) => {
    counts[provider].push(`${req.method} ${req.path}`);
    const mode = modes[provider];
    if (mode.kind === 'down') return void res.status(503).json({ message: 'Service Unavailable' });
    if (mode.kind === 'redirect') return void res.redirect(mode.status ?? 307, mode.location);
    if (mode.kind === 'flaky' && mode.failures > 0) {
      mode.failures -= 1;
      return void res.status(502).json({ message: 'Bad Gateway' });
    }
    if (mode.kind === 'slow') {
      const timer = setTimeout(nextHandler, mode.delayMs);
      res.on('close', () => clearTimeout(timer));
      return;
    }
    nextHandler();
  };

  // HubSpot CRM v3: private-app token as a bearer token.
  const hubspot = express.Router();
  hubspot.use((req, res, nextHandler) => {
    if (req.header('authorization') !== `Bearer ${credentials.hubspot.accessToken}`) {
      return void res.status(401).json({
        status: 'error',
        message: 'Authentication credentials not found. This API supports OAuth 2.0 authentication.',
        category: 'INVALID_AUTHENTICATION',
      });
    }
    nextHandler();
  });
  const hubspotView = (contact: HubSpotContact, requested?: string[]) => {
    const names = [...new Set([...HUBSPOT_DEFAULT_PROPERTIES, ...(requested ?? [])])];
    return { ...contact, properties: Object.fromEntries(names.map((n) => [n, contact.properties[n] ?? null])) };
  };
  const hubspotNotFound = (res: Response) =>
    res.status(404).json({ status: 'error', message: 'Object not found.', category: 'OBJECT_NOT_FOUND' });
  const propertyList = (value: unknown) => (typeof value === 'string' && value ? value.split(',') : undefined);
  hubspot.post('/crm/v3/objects/contacts/search', (req, res) => {
    const { filterGroups = [], properties, limit = 10, after } = req.body as {
      filterGroups?: { filters: { propertyName: string; operator: string; value?: string }[] }[];
      properties?: string[];
      limit?: number;
      after?: string;
    };
    const matches = [...stores.hubspot.values()].filter((contact) =>
      filterGroups.some((group) =>
        group.filters.every((f) => f.operator === 'EQ' && (contact.properties[f.propertyName] ?? '').toLowerCase() === String(f.value ?? '').toLowerCase()),
      ),
    );
    const start = Number(after ?? 0);
    const page = matches.slice(start, start + limit);
    res.json({
      total: matches.length,
      results: page.map((c) => hubspotView(c, properties)),
      ...(start + limit < matches.length ? { paging: { next: { after: String(start + limit) } } } : {}),
    });
  });
  hubspot.post('/crm/v3/objects/contacts/batch/read', (req, res) => {
    const { inputs = [], properties } = req.body as { inputs?: { id: string }[]; properties?: string[] };
    const found = inputs.map((i) => stores.hubspot.get(String(i.id))).filter((c): c is HubSpotContact => Boolean(c && !c.archived));
    const missing = inputs.map((i) => String(i.id)).filter((id) => !stores.hubspot.has(id));
    const body = { status: 'COMPLETE', results: found.map((c) => hubspotView(c, properties)), startedAt: now(), completedAt: now() };
    if (missing.length === 0) return void res.json(body);
    res.status(207).json({
      ...body,
      numErrors: 1,
      errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some CONTACT objects, they may be deleted or not exist.', context: { ids: missing } }],
    });
  });
  hubspot.get('/crm/v3/objects/contacts/:id', (req, res) => {
    const contact = stores.hubspot.get(req.params.id);
    if (!contact) return void hubspotNotFound(res);
    res.json(hubspotView(contact, propertyList(req.query.properties)));
  });
  hubspot.post('/crm/v3/objects/contacts', (req, res) => {
    const properties = ((req.body as { properties?: Record<string, string> }).properties ?? {}) as Record<string, string | null>;
    const email = properties.email?.toLowerCase();
    const existing = email && [...stores.hubspot.values()].find((c) => c.properties.email?.toLowerCase() === email);
    if (existing) {
      return void res.status(409).json({ status: 'error', message: `Contact already exists. Existing ID: ${existing.id}`, category: 'CONFLICT' });
    }
    res.status(201).json(hubspotView(addHubSpotContact(properties), Object.keys(properties)));
  });
  hubspot.patch('/crm/v3/objects/contacts/:id', (req, res) => {
    const contact = stores.hubspot.get(req.params.id);
    if (!contact) return void hubspotNotFound(res);
    const properties = (req.body as { properties?: Record<string, string | null> }).properties ?? {};
    Object.assign(contact.properties, properties, { lastmodifieddate: now() });
    contact.updatedAt = now();
    res.json(hubspotView(contact, Object.keys(properties)));
  });
  hubspot.delete('/crm/v3/objects/contacts/:id', (req, res) => {
    if (!stores.hubspot.delete(req.params.id)) return void hubspotNotFound(res);
    res.status(204).end();
  });

  // Salesforce REST: OAuth access token as a bearer token, under /services/data/<version>.
  const salesforce = express.Router();
  salesforce.use((req, res, nextHandler) => {
    if (req.header('authorization') !== `Bearer ${credentials.salesforce.accessToken}`) {
      return void res.status(401).json([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    }
    nextHandler();
  });
  const sfBase = `/services/data/${SALESFORCE_API_VERSION}`;
  const sfNotFound = (res: Response) =>
    res.status(404).json([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
  salesforce.get(`${sfBase}/query`, (req, res) => {
    const parsed = typeof req.query.q === 'string' ? parseSoql(req.query.q) : null;
    if (!parsed || !parsed.fields.every((f) => f in SOQL_FIELDS) || !(parsed.field in SOQL_FIELDS)) {
      return void res.status(400).json([{ message: 'unexpected token or unsupported query', errorCode: 'MALFORMED_QUERY' }]);
    }
    const read = SOQL_FIELDS[parsed.field];
    const records = [...stores.salesforce.values()]
      .filter((c) => parsed.values.some((v) => String(read(c) ?? '').toLowerCase() === v.toLowerCase()))
      .slice(0, parsed.limit);
    res.json({ totalSize: records.length, done: true, records: records.map((c) => soqlRecord(c, parsed.fields)) });
  });
  salesforce.get(`${sfBase}/sobjects/Contact/:id`, (req, res) => {
    const contact = stores.salesforce.get(req.params.id);
    if (!contact) return void sfNotFound(res);
    const fields = typeof req.query.fields === 'string' ? req.query.fields.split(',') : Object.keys(SOQL_FIELDS).filter((f) => !f.includes('.'));
    res.json(soqlRecord(contact, fields));
  });
  const sfFields = ['FirstName', 'LastName', 'Email', 'Phone', 'Title', 'LeadSource'] as const;
  const sfPick = (body: Record<string, unknown>) =>
    Object.fromEntries(sfFields.filter((f) => f in body).map((f) => [f, body[f] === null ? null : String(body[f])])) as Partial<SalesforceContact>;
  salesforce.post(`${sfBase}/sobjects/Contact`, (req, res) => {
    const fields = sfPick(req.body as Record<string, unknown>);
    if (!fields.LastName) {
      return void res.status(400).json([{ message: 'Required fields are missing: [LastName]', errorCode: 'REQUIRED_FIELD_MISSING', fields: ['LastName'] }]);
    }
    const contact = addSalesforceContact(fields as Partial<SalesforceContact> & { LastName: string });
    res.status(201).json({ id: contact.Id, success: true, errors: [] });
  });
  salesforce.patch(`${sfBase}/sobjects/Contact/:id`, (req, res) => {
    const contact = stores.salesforce.get(req.params.id);
    if (!contact) return void sfNotFound(res);
    const fields = sfPick(req.body as Record<string, unknown>);
    if ('LastName' in fields && !fields.LastName) {
      return void res.status(400).json([{ message: 'Required fields are missing: [LastName]', errorCode: 'REQUIRED_FIELD_MISSING', fields: ['LastName'] }]);
    }
    Object.assign(contact, fields);
    res.status(204).end();
  });
  salesforce.delete(`${sfBase}/sobjects/Contact/:id`, (req, res) => {
    if (!stores.salesforce.delete(req.params.id)) return void sfNotFound(res);
    res.status(204).end();
  });

  // Zendesk Support: `email/token:api_token` as HTTP basic authentication.
  const zendesk = express.Router();
  zendesk.use((req, res, nextHandler) => {
    const expected = Buffer.from(`${credentials.zendesk.email}/token:${credentials.zendesk.apiToken}`).toString('base64');
    if (req.header('authorization') !== `Basic ${expected}`) return void res.status(401).json({ error: "Couldn't authenticate you" });
    nextHandler();
  });
  const zdNotFound = (res: Response) => res.status(404).json({ error: 'RecordNotFound', description: 'Not found' });
  const zdBase = (req: Request) => `${req.protocol}://${req.get('host')}${req.baseUrl}`;
  const zdView = (req: Request, user: ZendeskUser) => ({ ...user, url: zendeskUrl(zdBase(req), user) });
  zendesk.get('/api/v2/users/search.json', (req, res) => {
    const query = String(req.query.query ?? '').trim();
    const [, key, value] = /^(?:(email|phone|name):)?(.+)$/.exec(query) ?? [];
    const users = [...stores.zendesk.values()].filter((u) => {
      const candidates = key ? [u[key as 'email' | 'phone' | 'name']] : [u.email, u.phone, u.name];
      return value !== undefined && candidates.some((c) => (c ?? '').toLowerCase() === value.toLowerCase());
    });
    res.json({ users: users.map((u) => zdView(req, u)), next_page: null, previous_page: null, count: users.length });
  });
  zendesk.get('/api/v2/users/show_many.json', (req, res) => {
    const ids = String(req.query.ids ?? '').split(',').filter(Boolean).map(Number);
    const users = ids.map((id) => stores.zendesk.get(id)).filter((u): u is ZendeskUser => Boolean(u));
    res.json({ users: users.map((u) => zdView(req, u)), next_page: null, previous_page: null, count: users.length });
  });
  zendesk.get('/api/v2/users/:id.json', (req, res) => {
    const user = stores.zendesk.get(Number(req.params.id));
    if (!user) return void zdNotFound(res);
    res.json({ user: zdView(req, user) });
  });
  const zdPick = (body: Record<string, unknown>) =>
    Object.fromEntries(['name', 'email', 'phone', 'notes'].filter((f) => f in body).map((f) => [f, body[f]])) as Partial<ZendeskUser>;
  zendesk.post('/api/v2/users.json', (req, res) => {
    const fields = zdPick(((req.body as { user?: Record<string, unknown> }).user ?? {}));
    if (!fields.name) return void res.status(422).json({ error: 'RecordInvalid', description: 'Record validation errors', details: { name: [{ description: 'Name: cannot be blank' }] } });
    res.status(201).json({ user: zdView(req, addZendeskUser(fields as Partial<ZendeskUser> & { name: string })) });
  });
  zendesk.put('/api/v2/users/:id.json', (req, res) => {
    const user = stores.zendesk.get(Number(req.params.id));
    if (!user) return void zdNotFound(res);
    Object.assign(user, zdPick(((req.body as { user?: Record<string, unknown> }).user ?? {})), { updated_at: now() });
    res.json({ user: zdView(req, user) });
  });
  zendesk.delete('/api/v2/users/:id.json', (req, res) => {
    const user = stores.zendesk.get(Number(req.params.id));
    if (!user) return void zdNotFound(res);
    stores.zendesk.delete(user.id);
    user.active = false;
    stores.zendeskDeleted.set(user.id, user);
    res.json({ user: zdView(req, user) });
  });
  zendesk.delete('/api/v2/deleted_users/:id.json', (req, res) => {
    const user = stores.zendeskDeleted.get(Number(req.params.id));
    if (!user) return void zdNotFound(res);
    stores.zendeskDeleted.delete(user.id);
    res.json({ deleted_user: { id: user.id, name: user.name, email: user.email, active: false } });
  });

  app.use('/hubspot', conditions('hubspot'), hubspot);
  app.use('/salesforce', conditions('salesforce'), salesforce);
  app.use('/zendesk', conditions('zendesk'), zendesk);

  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, app) : http.createServer(app);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const base = `${options.tls ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  return {
    port,
    urls: { hubspot: `${base}/hubspot`, salesforce: `${base}/salesforce`, zendesk: `${base}/zendesk` },
    stores,
    credentials,
    setMode: (provider, mode) => {
      modes[provider] = mode;
    },
    requests: (provider) => counts[provider].length,
    log: (provider) => [...counts[provider]],
    addHubSpotContact,
    addSalesforceContact,
    addZendeskUser,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
