import fs from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { SUBGRAPH_NAMES } from '../../subgraphs/kit/config';
import { EndUser } from '../../subgraphs/identity/entities/end-user.entity';
import { codes } from '../helpers/environment';
import { seededStack, type SeededStack } from '../helpers/stack';
import { eventually } from '../helpers/eventually';

/**
 * Writes about a person racing their erasure: whatever interleaving the databases choose, once the
 * request is COMPLETED nothing of the person is left in any subgraph (rows, and on SQLite the bytes
 * of the files), and every later write about them is NOT_FOUND.
 */
let world: SeededStack;
const tokens: Record<string, string> = {};
const sources = (): DataSource[] => SUBGRAPH_NAMES.map((name) => world.stack.subgraphs[name].dataSource);
const onSqlite = () => world.stack.subgraphs.identity.dataSource.options.type === 'better-sqlite3';

/** Rows of every table of every subgraph whose text contains any of the needles. */
async function rowsMentioning(needles: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const source of sources()) {
    for (const { tableName } of source.entityMetadatas) {
      for (const row of await source.query(`SELECT * FROM ${source.driver.escape(tableName)}`)) {
        const text = JSON.stringify(row);
        if (needles.some((needle) => text.includes(needle))) found.push(`${tableName}: ${text}`);
      }
    }
  }
  return found;
}

const writesAbout = (id: string, interactionId: string, marker: string, n: number): [string, string, Record<string, unknown>][] => [
  ['updateEndUser', 'mutation($id: ID!, $n: String!) { updateEndUser(id: $id, input: { lastName: $n }) { id } }', { id, n: `${marker}-last-${n}` }],
  ['recordConsent', 'mutation($id: ID!, $p: String!) { recordConsent(input: { endUserId: $id, purpose: ANALYTICS, granted: true, source: AGENT, proof: { page: $p } }) { id } }', { id, p: `https://acme.example/${marker}-page-${n}` }],
  ['optOutOfContact', 'mutation($id: ID!, $c: Channel!, $r: String!) { optOutOfContact(endUserId: $id, channel: $c, source: AGENT, reason: $r) { id } }', { id, c: ['SMS', 'EMAIL', 'VOICE'][n % 3], r: `${marker}-reason-${n}` }],
  ['recordInteraction', 'mutation($id: ID, $t: String!) { recordInteraction(input: { endUserId: $id, channel: CHAT, direction: INBOUND, transcript: [{ sequence: 1, speaker: END_USER, text: $t }] }) { id } }', { id, t: `${marker}-said-${n}` }],
  ['appendTranscriptSegments', 'mutation($i: ID!, $s: Int!, $t: String!) { appendTranscriptSegments(interactionId: $i, segments: [{ sequence: $s, speaker: END_USER, text: $t }]) { appended } }', { i: interactionId, s: 10 + n, t: `${marker}-appended-${n}` }],
];

async function completed(requestId: string): Promise<{ status: string; tasks: { target: string; status: string }[] }> {
  // The worker retries what failed (every 100 ms here); wait for it rather than for a time.
  return eventually(async () => {
    const response = await world.as(tokens.officer).send('query($id: ID!) { privacyRequest(id: $id) { status tasks { target status } } }', { id: requestId });
    expect(response.data.privacyRequest.status).toBe('COMPLETED');
    return response.data.privacyRequest;
  }, { what: 'the erasure to complete', timeoutMs: 25_000 });
}

beforeAll(async () => {
  world = await seededStack({ endUsersPerTenant: 2, env: { PRIVACY_RETRY_INTERVAL_MS: '100' } });
  tokens.admin = await world.env.token({ tenant: 'acme', roles: ['admin'], sub: 'acme-admin' });
  tokens.agent = await world.env.token({ tenant: 'acme', roles: ['agent'], sub: 'acme-agent' });
  tokens.officer = await world.env.token({ tenant: 'acme', roles: ['privacy_officer'], sub: 'acme-officer' });
});
afterAll(() => world?.close());

describe('an erasure racing writes about the person', () => {
  it.each([1, 2, 3])('round %i: leaves nothing of the person anywhere, and refuses every write afterwards', async (round) => {
    const marker = `Zq${round}x${Date.now().toString(36)}`;
    const created = await world.as(tokens.admin).send('mutation($f: String!, $l: String!) { createEndUser(input: { firstName: $f, lastName: $l, email: "racer@example.org" }) { id } }', { f: `${marker}-first`, l: `${marker}-last` });
    const id: string = created.data.createEndUser.id;
    const recorded = await world.as(tokens.agent).send('mutation($id: ID, $t: String!) { recordInteraction(input: { endUserId: $id, channel: VOICE, direction: INBOUND, transcript: [{ sequence: 1, speaker: END_USER, text: $t }] }) { id } }', { id, t: `${marker}-opening` });
    const interactionId: string = recorded.data.recordInteraction.id;
    const bystander = world.acme.endUserIds[0];
    const bystanderRows = (await rowsMentioning([bystander])).length;

    // The erasure starts among a burst of writes about the person, agents' and admins' alike.
    const writes = Array.from({ length: 6 }, (_, n) => writesAbout(id, interactionId, marker, n)).flat();
    const responses = await Promise.all([
      world.as(tokens.officer).send('mutation($input: CreatePrivacyRequestInput!) { createPrivacyRequest(input: $input) { id status } }', { input: { endUserId: id, kind: 'ERASURE' } }),
      ...writes.map(([, query, variables], n) => world.as(n % 2 ? tokens.agent : tokens.admin).send(query, variables)),
    ]);
    const [erasure, ...results] = responses;
    expect(erasure.errors).toBeUndefined();
    // Each write either landed before the erasure took it away or was refused as NOT_FOUND; never anything else.
    for (const result of results) expect(codes(result).filter((code) => code !== 'NOT_FOUND')).toEqual([]);

    const request = await completed(erasure.data.createPrivacyRequest.id);
    expect(request.tasks.every((task) => task.status === 'DONE')).toBe(true);
    expect(await rowsMentioning([id, marker, interactionId])).toEqual([]);
    expect(await world.stack.subgraphs.identity.dataSource.getRepository(EndUser).countBy({ id })).toBe(0);
    expect((await world.as(tokens.officer).send('query($id: ID!) { endUser(id: $id) { id } }', { id })).data.endUser).toBeNull();
    // Everyone else is untouched.
    expect((await rowsMentioning([bystander])).length).toBe(bystanderRows);

    // From now on every write about the person is refused and writes nothing.
    for (const [name, query, variables] of writesAbout(id, interactionId, `${marker}after`, 99)) {
      expect([name, codes(await world.as(tokens.admin).send(query, variables))]).toEqual([name, ['NOT_FOUND']]);
    }
    expect(await rowsMentioning([id, marker, interactionId])).toEqual([]);

    if (onSqlite()) {
      // The erased values are not in the database files either: not in freed pages, not in the WAL.
      for (const source of sources()) {
        const file = String(source.options.database);
        for (const part of [file, `${file}-wal`]) {
          if (!fs.existsSync(part)) continue;
          const bytes = fs.readFileSync(part);
          expect([path.basename(part), bytes.includes(marker)]).toEqual([path.basename(part), false]);
        }
      }
    }
  });
});
