import { CookieConsent } from '../../subgraphs/consent/entities/cookie-consent.entity';
import { ConsentRecord } from '../../subgraphs/consent/entities/consent-record.entity';
import { CrmConnection } from '../../subgraphs/crm/entities/crm-connection.entity';
import { CrmLink } from '../../subgraphs/crm/entities/crm-link.entity';
import { normalise } from '../../subgraphs/kit/sensitive-numbers';
import { codes, type GraphQLResponse } from '../helpers/environment';
import { httpClient } from '../helpers/graphql';
import { seededStack, type SeededStack } from '../helpers/stack';

// Stored free text outside transcripts: consent proof, cookie consent, legal holds, disclosures,
// CRM link ids. SSNs and card numbers are redacted (free text) or refused (identifiers).
let world: SeededStack;
const tokens: Record<string, string> = {};
const ORIGIN = 'https://www.acme.example';
const SSN_DISGUISES = ['536-22-1234', 'ssn ٥٣٦٢٢١٢٣٤', '５３６.２２.１２３４', '5\u200b3\u200b6 22 1234'];
const CARD_DISGUISES = ['4111 1111 1111 1111', '4111\u20131111\u20131111\u20131111', '４１１１１１１１１１１１１１１１'];

const digitsIn = (value: unknown) => normalise(JSON.stringify(value)).text.replace(/[^0-9]/g, '');
/** Rows must hold no SSN or card number, in any script or disguise. */
function expectClean(rows: unknown[]) {
  const digits = digitsIn(rows);
  for (const original of ['536221234', '4111111111111111']) expect(digits).not.toContain(original);
}
function expectRefused(response: GraphQLResponse, field: string) {
  expect(codes(response)).toEqual(['BAD_USER_INPUT']);
  expect(response.errors![0].extensions!.field).toBe(field);
}

beforeAll(async () => {
  world = await seededStack({ env: { TRUST_PROXY: 'loopback' } });
  tokens.admin = await world.env.token({ tenant: 'acme', roles: ['admin'], sub: 'acme-admin' });
  tokens.officer = await world.env.token({ tenant: 'acme', roles: ['privacy_officer'], sub: 'acme-officer' });
});
afterAll(() => world?.close());

describe('consent proof', () => {
  it('redacts SSNs and card numbers in the user agent and page of a consent record', async () => {
    const RECORD = 'mutation($input: RecordConsentInput!) { recordConsent(input: $input) { id userAgent page } }';
    for (const [index, disguise] of [...SSN_DISGUISES, ...CARD_DISGUISES].entries()) {
      const response = await world.as(tokens.admin).send(RECORD, {
        input: {
          endUserId: world.acme.endUserIds[index % world.acme.endUserIds.length],
          purpose: 'ANALYTICS',
          granted: true,
          source: 'API',
          proof: { userAgent: `Mozilla/5.0 (${disguise})`, page: `https://acme.example/form?id=${encodeURIComponent(disguise)}&n=${disguise}` },
        },
      });
      expect(response.errors).toBeUndefined();
      expect(digitsIn(response.data.recordConsent)).not.toMatch(/536221234|4111111111111111/);
      expect(response.data.recordConsent.userAgent).toMatch(/^Mozilla\/5\.0 \((ssn )?\[(SSN|CARD) REDACTED\]\)$/);
    }
    const ordinary = await world.as(tokens.admin).send(RECORD, {
      input: { endUserId: world.acme.endUserIds[0], purpose: 'CONTACT_EMAIL', granted: true, source: 'API', proof: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.6778.85', page: 'https://acme.example/p/2026/03' } },
    });
    expect(ordinary.data.recordConsent).toMatchObject({ userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.6778.85', page: 'https://acme.example/p/2026/03' });
    expectClean(await world.stack.subgraphs.consent.dataSource.getRepository(ConsentRecord).find());
  });

  it('redacts them in the reason given for an opt-out', async () => {
    const OPT_OUT = 'mutation($id: ID!, $reason: String) { optOutOfContact(endUserId: $id, channel: SMS, source: API, reason: $reason) { reason } }';
    const response = await world.as(tokens.admin).send(OPT_OUT, { id: world.acme.endUserIds[4], reason: `caller gave card ${CARD_DISGUISES[0]} and ssn ${SSN_DISGUISES[2]}` });
    expect(response.data.optOutOfContact.reason).toBe('caller gave card [CARD REDACTED] and ssn [SSN REDACTED]');
    expectClean(await world.stack.subgraphs.consent.dataSource.query('SELECT * FROM contact_opt_outs'));
  });

  it('redacts them in cookie consent sent by the widget', async () => {
    const key = (await world.as(tokens.admin).send('mutation { rotateWidgetKey { key } }')).data.rotateWidgetKey.key;
    await world.as(tokens.admin).send('mutation($o: [String!]!) { updateWidgetOrigins(origins: $o) { origins } }', { o: [ORIGIN] });
    const widgetUrl = world.stack.gatewayUrl.replace(/\/graphql$/, '/widget/graphql');
    const COOKIE = 'mutation($v: String!, $page: String, $ua: String) { recordCookieConsent(input: { visitorId: $v, choices: { functional: true, analytics: false, advertising: false }, page: $page, userAgent: $ua }) }';
    for (const [index, disguise] of [...SSN_DISGUISES, ...CARD_DISGUISES].entries()) {
      const browser = httpClient(widgetUrl, undefined, { 'x-widget-key': key, origin: ORIGIN, 'x-forwarded-for': `198.51.100.${10 + index}` });
      const response = await browser.send(COOKIE, { v: `visitor-redact-${index}`, page: `https://www.acme.example/?card=${disguise}`, ua: `bot ${disguise}` });
      expect(response.data).toEqual({ recordCookieConsent: true });
    }
    const rows = await world.stack.subgraphs.consent.dataSource.getRepository(CookieConsent).find();
    expect(rows.filter((row) => row.visitorId.startsWith('visitor-redact-'))).toHaveLength(SSN_DISGUISES.length + CARD_DISGUISES.length);
    expectClean(rows);
  });
});

describe('privacy records', () => {
  it('redacts legal hold reasons and references, and every text of a disclosure', async () => {
    const endUserId = world.acme.endUserIds[1];
    const hold = await world.as(tokens.officer).send(
      'mutation($input: PlaceLegalHoldInput!) { placeLegalHold(input: $input) { id reason reference } }',
      { input: { endUserId, reason: `Litigation over card ${CARD_DISGUISES[1]}`, reference: `case ${SSN_DISGUISES[1]}` } },
    );
    expect(hold.data.placeLegalHold).toMatchObject({ reason: 'Litigation over card [CARD REDACTED]', reference: 'case ssn [SSN REDACTED]' });
    await world.as(tokens.officer).send('mutation($id: ID!) { releaseLegalHold(id: $id) { id } }', { id: hold.data.placeLegalHold.id });

    const disclosure = await world.as(tokens.officer).send(
      'mutation($input: RecordDisclosureInput!) { recordDisclosure(input: $input) { authority legalBasis reference dataCategories } }',
      {
        input: {
          endUserId,
          authority: `Court order for SSN ${SSN_DISGUISES[2]}`,
          legalBasis: `Subpoena re ${CARD_DISGUISES[2]}`,
          reference: SSN_DISGUISES[0],
          dataCategories: ['profile', `ssn ${SSN_DISGUISES[3]}`],
          disclosedAt: '2026-01-01T00:00:00Z',
        },
      },
    );
    expect(disclosure.data.recordDisclosure).toEqual({
      authority: 'Court order for SSN [SSN REDACTED]',
      legalBasis: 'Subpoena re [CARD REDACTED]',
      reference: '[SSN REDACTED]',
      dataCategories: ['profile', 'ssn [SSN REDACTED]'],
    });
    const identity = world.stack.subgraphs.identity.dataSource;
    expectClean([
      ...(await identity.query('SELECT * FROM legal_holds')),
      ...(await identity.query('SELECT * FROM disclosures')),
      ...(await identity.query('SELECT * FROM audit_events')),
    ]);
  });
});

describe('end-user fields stored in plain text', () => {
  it('refuse names and references that carry an SSN or card number, naming the field, and store nothing', async () => {
    const identity = world.stack.subgraphs.identity.dataSource;
    const before = (await identity.query('SELECT COUNT(*) AS n FROM end_users'))[0].n;
    const CREATE = 'mutation($input: CreateEndUserInput!) { createEndUser(input: $input) { id firstName externalRef } }';
    for (const [field, value] of [
      ['firstName', 'Ann 536-22-1234'],
      ['firstName', `Ann ${SSN_DISGUISES[2]}`],
      ['lastName', `Lee ${CARD_DISGUISES[1]}`],
      ['lastName', 'Lee ssn٥٣٦٢٢١٢٣٤'],
      ['externalRef', '536-22-1234'],
      ['externalRef', SSN_DISGUISES[3]],
    ]) {
      expectRefused(await world.as(tokens.admin).send(CREATE, { input: { [field]: value } }), field);
    }
    expectRefused(await world.as(tokens.admin).send('mutation($ref: String!) { upsertEndUser(externalRef: $ref, input: { firstName: "Ann" }) { id } }', { ref: 'ssn 536221234' }), 'externalRef');
    const existing = world.acme.endUserIds[3];
    expectRefused(await world.as(tokens.admin).send('mutation($id: ID!) { updateEndUser(id: $id, input: { lastName: "4111 1111 1111 1111" }) { id } }', { id: existing }), 'lastName');
    expect((await identity.query('SELECT COUNT(*) AS n FROM end_users'))[0].n).toEqual(before);
    expectClean(await identity.query('SELECT firstName, lastName, externalRef FROM end_users'));
    // A reference that is a long number is still a reference; ordinary names are kept.
    const fine = await world.as(tokens.admin).send(CREATE, { input: { firstName: 'Zoë-Ann', externalRef: '1263086271791' } });
    expect(fine.data.createEndUser).toMatchObject({ firstName: 'Zoë-Ann', externalRef: '1263086271791' });
  });
});

describe('CRM links', () => {
  it('refuse a record id that is not a plain id or holds an SSN, naming the field, and store nothing', async () => {
    const connection = await world.stack.subgraphs.crm.dataSource.getRepository(CrmConnection).findOneByOrFail({ tenantId: world.acme.id });
    const LINK = 'mutation($input: LinkCrmRecordInput!) { linkCrmRecord(input: $input) { externalId } }';
    const before = await world.stack.subgraphs.crm.dataSource.getRepository(CrmLink).count();
    for (const externalId of ['536-22-1234', '5\u200b36221234', '５３６２２１２３４', '../../contacts', 'id 42', 'a/b', 'ssn-536221234']) {
      expectRefused(await world.as(tokens.admin).send(LINK, { input: { endUserId: world.acme.endUserIds[2], connectionId: connection.id, externalId } }), 'externalId');
    }
    expect(await world.stack.subgraphs.crm.dataSource.getRepository(CrmLink).count()).toBe(before);
    // CRM ids are often long numbers; one that passes Luhn is still an id.
    const numeric = await world.as(tokens.admin).send(LINK, { input: { endUserId: world.acme.endUserIds[2], connectionId: connection.id, externalId: '1263086271791' } });
    expect(numeric.data.linkCrmRecord).toEqual({ externalId: '1263086271791' });
  });
});
