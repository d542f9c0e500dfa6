import { getIntrospectionQuery } from 'graphql';
import { bearer, callSubgraph, memberClaims } from '../helpers/environment';
import { seededStack, type SeededStack } from '../helpers/stack';

/**
 * A client's mistake answers GraphQL-shaped JSON with its own code and status, in development and
 * production alike, on every HTTP surface; nothing answers HTML, a stack trace or a file path.
 */
interface Answer {
  status: number;
  type: string;
  text: string;
  body: any;
}

async function send(url: string, init: RequestInit): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, type: response.headers.get('content-type') ?? '', text, body };
}

function expectClean(answer: Answer): void {
  expect(answer.type).toMatch(/json/);
  expect(answer.text).not.toMatch(/<html|<pre|<!DOCTYPE|\bat \S+ \(|\/work\/|node_modules|\.ts:\d|SyntaxError|TypeError|RangeError/i);
}

function expectGraphQLError(answer: Answer, status: number, code: string): void {
  expectClean(answer);
  expect(answer.status).toBe(status);
  expect(answer.body?.errors?.[0]?.extensions?.code).toBe(code);
}

const json = { 'content-type': 'application/json' };
const deepJson = (depth: number) => `{"query":"{ me { id } }","variables":{"v":${'['.repeat(depth)}${']'.repeat(depth)}}}`;

describe.each([['development', false], ['production', true]])('client mistakes in %s mode', (_mode, production) => {
  let world: SeededStack;
  let token: string;
  let gateway: string;
  let widget: string;
  let oauth: string;
  let subgraph: string;
  beforeAll(async () => {
    world = await seededStack({ endUsersPerTenant: 1, production });
    token = await world.env.token({ tenant: 'acme', roles: ['admin'] });
    gateway = world.stack.gatewayUrl;
    widget = gateway.replace(/\/graphql$/, '/widget/graphql');
    oauth = gateway.replace(/\/graphql$/, '/oauth/token');
    subgraph = world.stack.subgraphUrls.identity;
  });
  afterAll(() => world?.close());

  const authorized = () => ({ ...json, ...bearer(token) });

  describe('malformed HTTP bodies', () => {
    const bodies: [string, string | Buffer, Record<string, string>, number][] = [
      ['malformed JSON', '{"query": "{ me { id } }"', {}, 400],
      ['a raw NUL byte', Buffer.from('{"query":"{ me { id } }"\u0000}'), {}, 400],
      ['invalid UTF-8', Buffer.concat([Buffer.from('{"query":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}')]), {}, 400],
      ['an unsupported charset', '{"query":"{ me { id } }"}', { 'content-type': 'application/json; charset=ebcdic' }, 415],
      ['deeply nested JSON', deepJson(100_000), {}, 400],
      ['an over-size body', `{"query":"{ me { id } }","variables":{"pad":"${'x'.repeat(3_000_000)}"}}`, {}, 413],
    ];
    const surfaces = () => [
      ['the gateway', gateway, authorized()],
      ['the widget path', widget, { ...json, 'x-widget-key': 'cxw_unknown', origin: 'https://www.acme.example' }],
      ['a subgraph', subgraph, json],
    ] as const;

    it.each(bodies)('answer %s as JSON BAD_REQUEST on the gateway, the widget path and a subgraph', async (_label, body, headers, status) => {
      for (const [, url, base] of surfaces()) {
        const answer = await send(url, { method: 'POST', headers: { ...base, ...headers }, body });
        expectClean(answer);
        // Invalid UTF-8 may decode (as U+FFFD) and fail later, as any other refused request.
        if (typeof body !== 'string' && body.includes(0xff)) {
          expect(answer.status).toBeGreaterThanOrEqual(400);
          expect(answer.status).toBeLessThan(500);
          continue;
        }
        // Deep nesting is valid JSON: answered like any other body, never by a crash.
        if (/deeply/.test(_label) && answer.status !== 400) {
          expect(answer.status).toBeLessThan(500);
          continue;
        }
        expectGraphQLError(answer, status, 'BAD_REQUEST');
      }
    });

    it.each(bodies)('answer %s as an OAuth error, JSON, on /oauth/token', async (_label, body, headers, status) => {
      const answer = await send(oauth, { method: 'POST', headers: { ...json, ...headers }, body });
      expectClean(answer);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      if (status !== 400) expect(answer.status).toBe(status);
      expect(answer.body.error).toMatch(/^(invalid_request|unsupported_grant_type)$/);
    });

    it.each([
      ['an empty body', ''],
      ['a JSON null', 'null'],
      ['a JSON string', '"{ me { id } }"'],
      ['a query that is not a string', '{"query": {"a": 1}}'],
      ['variables that are not an object', '{"query": "{ me { id } }", "variables": [1]}'],
    ])('answer %s BAD_REQUEST on the gateway and a subgraph', async (_label, body) => {
      expectGraphQLError(await send(gateway, { method: 'POST', headers: authorized(), body }), 400, 'BAD_REQUEST');
      const direct = await send(subgraph, { method: 'POST', headers: json, body });
      expectClean(direct);
      expect([400, 401]).toContain(direct.status);
    });

    it('answer a wrong content type and a GET mutation as JSON', async () => {
      const text = await send(gateway, { method: 'POST', headers: { ...bearer(token), 'content-type': 'text/plain' }, body: '{ me { id } }' });
      expectClean(text);
      expect(text.status).toBeGreaterThanOrEqual(400);
      expect(text.status).toBeLessThan(500);
      const form = await send(oauth, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'grant_type=client_credentials' });
      expectClean(form);
      expect(form.body.error).toBe('unsupported_grant_type');
      const get = await send(`${gateway}?query=${encodeURIComponent('mutation { rotateWidgetKey { key } }')}`, { headers: { ...bearer(token), 'apollo-require-preflight': 'true' } });
      expectClean(get);
      expect(get.status).toBe(405);
    });

    it('answer unknown paths and methods as JSON 404, never Express’s HTML', async () => {
      for (const url of [gateway.replace(/\/graphql$/, '/nope'), gateway.replace(/\/graphql$/, '/widget'), subgraph.replace(/\/graphql$/, '/internal/nope'), subgraph.replace(/\/graphql$/, '/')]) {
        const answer = await send(url, { method: 'POST', headers: json, body: '{}' });
        expectClean(answer);
        expect(answer.status).toBe(404);
      }
      const put = await send(oauth, { method: 'PUT', headers: json, body: '{}' });
      expectClean(put);
      expect(put.status).toBe(404);
    });
  });

  describe('GraphQL mistakes through the gateway', () => {
    // Raw bodies (an operationName, ill-typed variables), answered as sent: the checks read the answer's text and headers.
    const postBody = (body: Record<string, unknown>) => send(gateway, { method: 'POST', headers: authorized(), body: JSON.stringify(body) });

    it('answers an unknown operationName BAD_REQUEST', async () => {
      expectGraphQLError(await postBody({ query: 'query A { me { id } }', operationName: 'B' }), 400, 'BAD_REQUEST');
      expectGraphQLError(await postBody({ query: 'query A { me { id } } query B { me { id } }' }), 400, 'BAD_REQUEST');
    });

    it.each([
      ['an object for an ID', 'query($id: ID!) { endUser(id: $id) { id } }', { id: { $ne: null } }],
      ['a missing required variable', 'query($id: ID!) { endUser(id: $id) { id } }', {}],
      ['a string for an enum', 'mutation($s: MaritalStatus) { createEndUser(input: { firstName: "A", maritalStatus: $s }) { id } }', { s: 'NOT_A_STATUS' }],
      ['a number for a DateTime', 'mutation($t: DateTimeISO) { recordInteraction(input: { endUserId: "x", channel: CHAT, direction: INBOUND, startedAt: $t }) { id } }', { t: 12 }],
      ['null for a non-null argument that has a default', 'query($g: [MetricDimension!]) { interactionMetrics(from: "2026-01-01", to: "2026-01-02", groupBy: $g) { suppressedGroups } }', { g: null }],
    ])('answers %s BAD_USER_INPUT, running nothing', async (_label, query, variables) => {
      const answer = await postBody({ query, variables });
      expectClean(answer);
      // The gateway coerces its own types (400); a custom scalar is coerced by the subgraph, whose refusal is relayed.
      expect([200, 400]).toContain(answer.status);
      expect(answer.body.errors.map((e: any) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
      expect(Object.values(answer.body.data ?? {}).filter((v) => v !== null)).toEqual([]);
    });

    it.each([['2026-02-30T00:00:00Z'], ['+275760-09-13T00:00:00Z'], ['2026-13-01T00:00:00Z'], ['yesterday'], ['2026-01-01T25:00:00Z']])(
      'answers an invalid DateTime %p BAD_USER_INPUT, as a literal and as a variable',
      async (value) => {
        const [endUserId] = world.acme.endUserIds;
        const literal = await postBody({ query: `mutation { recordInteraction(input: { endUserId: "${endUserId}", channel: CHAT, direction: INBOUND, startedAt: "${value}" }) { id } }` });
        expectClean(literal);
        expect(literal.body.errors.map((e: any) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
        // The subgraph's validation failure, relayed with the field it names.
        expect(literal.body.errors[0].extensions.field).toBe('startedAt');
        expect(literal.body.data?.recordInteraction ?? null).toBeNull();
        const variable = await postBody({ query: 'mutation($t: DateTimeISO) { recordInteraction(input: { endUserId: $e, channel: CHAT, direction: INBOUND, startedAt: $t }) { id } }'.replace('$e', `"${endUserId}"`), variables: { t: value } });
        expectClean(variable);
        expect(variable.body.errors.map((e: any) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
      },
    );
  });

  describe('a subgraph called directly', () => {
    it('refuses a caller without the gateway’s signature UNAUTHENTICATED before validation, whatever the query', async () => {
      for (const query of ['{ me { id } }', '{ notAField }', '{ __schema { types { name } } }', 'not graphql']) {
        expectGraphQLError(await send(subgraph, { method: 'POST', headers: json, body: JSON.stringify({ query }) }), 401, 'UNAUTHENTICATED');
      }
    });

    it('answers the gateway’s own malformed variables BAD_USER_INPUT', async () => {
      const signer = await world.env.signer();
      const response = await callSubgraph(signer, 'identity', subgraph, memberClaims(world.acme, ['admin']), 'query($id: ID!) { endUser(id: $id) { id } }', { id: {} });
      expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('mapping the schema anonymously', () => {
    const anonymous = (query: string) => send(gateway, { method: 'POST', headers: json, body: JSON.stringify({ query }) });

    if (production) {
      it('refuses every anonymous request UNAUTHENTICATED before validation: unknown and known fields look the same', async () => {
        const answers = await Promise.all(['{ notAField }', '{ me { id } }', '{ endUser(id: "x") { ssn } }', '{ __schema { types { name } } }', '{ me { idd } }'].map(anonymous));
        for (const answer of answers) {
          expectGraphQLError(answer, 401, 'UNAUTHENTICATED');
          expect(answer.body.errors[0].message).toBe(answers[0].body.errors[0].message);
        }
      });

      it('gives no field suggestions nor introspection to an authenticated caller either', async () => {
        const typo = await send(gateway, { method: 'POST', headers: authorized(), body: JSON.stringify({ query: '{ me { idd } }' }) });
        expect(typo.status).toBe(400);
        expect(typo.text).not.toMatch(/Did you mean/);
        const introspection = await send(gateway, { method: 'POST', headers: authorized(), body: JSON.stringify({ query: '{ __schema { types { name } } }' }) });
        expect(introspection.status).toBe(400);
        expect(introspection.body.data).toBeUndefined();
      });

      it('still lets the widget path run its own operation (refused here only for the unknown key)', async () => {
        const answer = await send(widget, {
          method: 'POST',
          headers: { ...json, 'x-widget-key': 'cxw_unknown', origin: 'https://www.acme.example' },
          body: JSON.stringify({ query: 'mutation { recordCookieConsent(input: { visitorId: "v", choices: { functional: true, analytics: false, advertising: false } }) }' }),
        });
        expectGraphQLError(answer, 401, 'UNAUTHENTICATED');
        expect(answer.body.errors[0].message).toMatch(/widget key/i);
      });
    } else {
      it('answers the standard introspection query (Apollo Sandbox) within the limits, but not one nesting the schema into itself', async () => {
        const standard = await send(gateway, { method: 'POST', headers: authorized(), body: JSON.stringify({ query: getIntrospectionQuery() }) });
        expect(standard.status).toBe(200);
        expect(standard.body.data.__schema.types.length).toBeGreaterThan(10);
        const nested = await send(gateway, { method: 'POST', headers: authorized(), body: JSON.stringify({ query: '{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }' }) });
        expectGraphQLError(nested, 400, 'GRAPHQL_VALIDATION_FAILED');
      });

      it('lets an anonymous developer see validation errors (development only)', async () => {
        const answer = await anonymous('{ notAField }');
        expectGraphQLError(answer, 400, 'GRAPHQL_VALIDATION_FAILED');
      });
    }
  });
});
