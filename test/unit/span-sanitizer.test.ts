import { SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { sanitizeSpan } from '../../platform/telemetry/span-sanitizer';

const span = (kind: SpanKind, attributes: Attributes, extra: Partial<ReadableSpan> = {}): ReadableSpan =>
  ({
    name: 'span',
    kind,
    spanContext: () => ({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 }),
    startTime: [0, 0],
    endTime: [0, 1],
    status: { code: SpanStatusCode.UNSET },
    attributes,
    links: [],
    events: [],
    duration: [0, 1],
    ended: true,
    resource: {} as ReadableSpan['resource'],
    instrumentationScope: { name: 'test' },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
    ...extra,
  }) as ReadableSpan;

describe('span sanitizer', () => {
  it('drops query strings, full URLs, headers, client addresses, GraphQL sources and user agents', () => {
    const raw = {
      'http.request.method': 'GET',
      'url.full': 'http://gw/graphql?query={endUser(id:"u1"){email}}',
      'http.url': 'http://gw/graphql?variables={"email":"a@b.c"}',
      'http.target': '/graphql?variables=%7B%22email%22%7D',
      'url.path': '/graphql',
      'url.query': 'variables=%7B%7D',
      'client.address': '203.0.113.9',
      'network.peer.address': '203.0.113.9',
      'http.client_ip': '203.0.113.9',
      'net.peer.ip': '203.0.113.9',
      'net.peer.name': 'client.example',
      'http.user_agent': 'Mozilla/5.0',
      'user_agent.original': 'Mozilla/5.0',
      'http.request.header.authorization': ['Bearer abc'],
      'http.request.header.x-cx-context': ['signed'],
      'graphql.source': '{ endUser(id: "u1") { email } }',
      'graphql.variables.email': 'a@b.c',
      'db.user': 'root',
      'db.connection_string': 'mysql://root:pw@db',
    };
    const server = sanitizeSpan(span(SpanKind.SERVER, raw)).attributes;
    expect(server).toEqual({ 'http.request.method': 'GET', 'url.path': '/graphql', 'http.target': '/graphql' });
    const client = sanitizeSpan(span(SpanKind.CLIENT, raw)).attributes;
    // A client span's path may name a CRM record; its peer is where it went, not who called.
    expect(client).toEqual({ 'http.request.method': 'GET', 'net.peer.name': 'client.example' });
  });

  it('keeps exception types but not their messages or stacks, and no status message', () => {
    const sanitized = sanitizeSpan(
      span(SpanKind.CLIENT, { 'db.system': 'mysql' }, {
        status: { code: SpanStatusCode.ERROR, message: "Duplicate entry 'a@b.c' for key 'email'" },
        events: [
          { name: 'exception', time: [0, 0], attributes: { 'exception.type': 'QueryFailedError', 'exception.message': "Duplicate entry 'a@b.c'", 'exception.stacktrace': 'at …' } },
          { name: 'log', time: [0, 0], attributes: { message: 'a@b.c' } },
        ],
      }),
    );
    expect(sanitized.status).toEqual({ code: SpanStatusCode.ERROR });
    expect(sanitized.events).toEqual([{ name: 'exception', time: [0, 0], attributes: { 'exception.type': 'QueryFailedError' } }]);
    expect(JSON.stringify(sanitized)).not.toContain('a@b.c');
  });

  it('keeps statements with placeholders, clipped, and drops link attributes', () => {
    const long = `SELECT ${'x, '.repeat(2000)}y FROM t WHERE id = ?`;
    const sanitized = sanitizeSpan(
      span(SpanKind.CLIENT, { 'db.statement': long, 'db.system': 'sqlite' }, {
        links: [{ context: { traceId: '3'.repeat(32), spanId: '4'.repeat(16), traceFlags: 1 }, attributes: { email: 'a@b.c' } }],
      }),
    );
    expect(String(sanitized.attributes['db.statement']).length).toBeLessThanOrEqual(2001);
    expect(sanitized.links[0].attributes).toEqual({});
  });
});
