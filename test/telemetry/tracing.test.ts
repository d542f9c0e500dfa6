import { spans, stopTracing } from '../helpers/in-memory-tracing';
import { randomBytes } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startFakeCrm, type FakeCrm } from '../../scripts/crm-fake/fake-crm';
import { bearer } from '../helpers/environment';
import { seededStack, type SeededStack } from '../helpers/stack';

let world: SeededStack;
let fake: FakeCrm;
let admin: string;
let connectionId: string;
let person: { id: string };

const PERSON = {
  firstName: 'Zebulon',
  lastName: 'Quillfeather',
  email: 'zebulon.quillfeather@example.org',
  phone: '+14155550177',
  ssn: '219-09-9999',
  dateOfBirth: '1979-04-03',
  externalRef: 'ref-zq-7731',
};
const SECRET_TEXT = 'Quillfeather asked about order 55-7731';

const portOf = (url: string) => Number(new URL(url).port);
const traceparent = () => {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, header: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } };
};
const inTrace = (traceId: string) => spans.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
const serverPorts = (list: ReadableSpan[]) => new Set(list.filter((span) => span.kind === SpanKind.SERVER).map((span) => span.attributes['server.port']));

/** Spans end as responses finish, a moment after the client has its answer: wait for the gateway's own. */
async function traceOf(traceId: string): Promise<ReadableSpan[]> {
  const gatewayPort = portOf(world.stack.gatewayUrl);
  while (!inTrace(traceId).some((span) => span.kind === SpanKind.SERVER && span.attributes['server.port'] === gatewayPort)) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  return inTrace(traceId);
}

beforeAll(async () => {
  fake = await startFakeCrm();
  world = await seededStack({ endUsersPerTenant: 2 });
  admin = await world.env.token({ tenant: 'acme', roles: ['admin'], sub: 'acme-admin' });
  const created = await world.as(admin).send('mutation($input: CreateEndUserInput!) { createEndUser(input: $input) { id } }', { input: PERSON });
  person = created.data.createEndUser;
  const connection = await world.as(admin).send(
    'mutation($input: CreateCrmConnectionInput!) { createCrmConnection(input: $input) { id } }',
    { input: { name: 'Traced HubSpot', provider: 'HUBSPOT', role: 'SERVICE_PROVIDER', baseUrl: fake.urls.hubspot, credentials: { accessToken: fake.credentials.hubspot.accessToken } } },
  );
  connectionId = connection.data.createCrmConnection.id;
  const pushed = await world.as(admin).send('mutation($input: CrmEndUserConnectionInput!) { pushEndUserToCrm(input: $input) { created } }', { input: { endUserId: person.id, connectionId } });
  expect(pushed.errors).toBeUndefined();
});
afterAll(async () => {
  await world?.close();
  await fake?.close();
  await stopTracing();
});

describe('one trace per request', () => {
  it('spans the gateway, all four subgraphs, their databases and the CRM call for a federated query', async () => {
    const { traceId, header } = traceparent();
    const response = await world.as(admin, header).send(
      `query Profile($id: ID!) { endUser(id: $id) { id firstName email ssn
        interactions(first: 3) { edges { node { channel } } }
        consents { edges { node { purpose granted } } }
        crmLinks { edges { node { externalId } } }
        crmRecords { edges { node { name email } } } } }`,
      { id: person.id },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data.endUser).toMatchObject({ firstName: PERSON.firstName, crmRecords: { edges: [{ node: { email: PERSON.email } }] } });

    const trace = await traceOf(traceId);
    // The gateway and every subgraph served a part of it, in this one trace.
    const ports = serverPorts(trace);
    expect(ports).toContain(portOf(world.stack.gatewayUrl));
    for (const url of Object.values(world.stack.subgraphUrls)) expect(ports).toContain(portOf(url));
    // One gateway fetch span per subgraph, each the parent of that subgraph's server span.
    const fetches = trace.filter((span) => span.name.startsWith('subgraph '));
    expect(new Set(fetches.map((span) => span.attributes['cx.subgraph']))).toEqual(new Set(['identity', 'interactions', 'consent', 'crm']));
    // Database statements (SQLite through TypeORM, or mysql2) and the CRM call belong to it too.
    expect(trace.some((span) => span.attributes['db.system.name'] !== undefined && span.kind === SpanKind.CLIENT && String(span.attributes['db.query.text']).includes('?'))).toBe(true);
    expect(trace.some((span) => span.kind === SpanKind.CLIENT && span.attributes['server.port'] === fake.port)).toBe(true);
    // GraphQL execution in the subgraphs, with operation names only.
    expect(trace.some((span) => span.instrumentationScope.name.includes('graphql') && span.attributes['graphql.operation.type'] === 'query')).toBe(true);
    // Every span but the first has its parent in the trace (or the client's span): nothing is cut off.
    const ids = new Set(trace.map((span) => span.spanContext().spanId));
    const clientSpan = header.traceparent.split('-')[2];
    for (const span of trace) expect([clientSpan, ...ids]).toContain(span.parentSpanContext?.spanId);
  });

  it('carries a service-link call (interactions asking consent before an outbound contact) in the same trace', async () => {
    const { traceId, header } = traceparent();
    const response = await world.as(admin, header).send(
      'mutation($input: RecordInteractionInput!) { recordInteraction(input: $input) { id direction } }',
      { input: { endUserId: person.id, channel: 'EMAIL', direction: 'OUTBOUND', transcript: [{ sequence: 1, speaker: 'AGENT', text: SECRET_TEXT }] } },
    );
    expect(response.errors).toBeUndefined();
    const trace = await traceOf(traceId);
    const consentPort = portOf(world.stack.subgraphUrls.consent);
    const consentServer = trace.filter((span) => span.kind === SpanKind.SERVER && span.attributes['server.port'] === consentPort);
    // The gateway did not fetch from consent for this mutation: consent served the service link only.
    expect(trace.some((span) => span.attributes['cx.subgraph'] === 'consent')).toBe(false);
    expect(consentServer.length).toBeGreaterThan(0);
    const byId = new Map(trace.map((span) => [span.spanContext().spanId, span]));
    for (const server of consentServer) {
      const caller = byId.get(server.parentSpanContext!.spanId)!;
      expect(caller.kind).toBe(SpanKind.CLIENT);
      expect(caller.instrumentationScope.name).toContain('undici');
    }
  });
});

describe('no personal data in spans', () => {
  it('leaves out every value of the person, the variables, queries, headers and addresses in every span of the file', async () => {
    // Literal arguments too, and a filter by email through the query string of a GET.
    await world.as(admin).send(`{ endUsers(filter: { email: "${PERSON.email}" }) { edges { node { id phone } } } }`);
    await fetch(`${world.stack.gatewayUrl}?query=${encodeURIComponent(`query Find { endUser(id: "${person.id}") { email } }`)}`, {
      headers: { ...bearer(admin), 'apollo-require-preflight': 'true' },
    });
    const all = spans.getFinishedSpans();
    expect(all.length).toBeGreaterThan(100);
    const text = JSON.stringify(
      all.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events, status: span.status, links: span.links })),
    );
    const forbidden = [...Object.values(PERSON), PERSON.ssn.replace(/-/g, ''), PERSON.phone.slice(1), person.id, SECRET_TEXT, admin, 'Bearer', fake.credentials.hubspot.accessToken];
    for (const value of forbidden) expect(text).not.toContain(value);
    for (const span of all) {
      for (const key of Object.keys(span.attributes)) {
        expect(key).not.toMatch(/header|client|peer\.ip|network\.peer\.address|url\.full|url\.query|http\.url|graphql\.source|user_agent|db\.user/);
      }
      if (span.kind !== SpanKind.SERVER) expect(span.attributes['url.path']).toBeUndefined();
      expect(String(span.attributes['url.path'] ?? '')).not.toContain('?');
    }
  });
});
