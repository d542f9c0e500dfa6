import type { DataSource } from 'typeorm';
import { AuditAction, AuditEvent } from '../../subgraphs/identity/entities/audit-event.entity';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/kit/config';
import { seededStack, type SeededStack } from '../helpers/stack';
import { StatementCounter } from '../helpers/statement-counter';

type Store = SubgraphName | `${SubgraphName}-keys`;

let world: SeededStack;
let supervisor: string;
let counter: StatementCounter<Store>;

beforeAll(async () => {
  // The gateway's access answers stay cached for the whole file: their refresh (a tenant and an
  // operator lookup in identity, every few seconds) is not part of any one request.
  world = await seededStack({ endUsersPerTenant: 100, env: { ACCESS_CACHE_TTL_MS: '60000' } });
  supervisor = await world.env.token({ tenant: 'acme', roles: ['supervisor'] });
  const sources: Partial<Record<Store, DataSource>> = {};
  for (const name of SUBGRAPH_NAMES) {
    const server = world.stack.subgraphs[name];
    sources[name] = server.dataSource;
    if (server.keyring.keyStore) sources[`${name}-keys`] = server.keyring.keyStore;
  }
  counter = new StatementCounter(sources as Record<Store, DataSource>);
}, 120_000);
afterAll(async () => {
  counter?.close();
  await world?.close();
});

/** The bench's federated end-user query. */
const FEDERATED = `query Federated($id: ID!) {
  endUser(id: $id) {
    id firstName lastName email phone ssn
    interactions(first: 5) { edges { node { id channel startedAt transcript(first: 5) { edges { node { sequence text } } } } } }
    consents(first: 5) { edges { node { purpose granted } } }
    crmLinks(first: 5) { edges { node { externalId } } }
  }
}`;
const SINGLE = 'query Single($id: ID!) { endUser(id: $id) { id firstName lastName email phone } }';
const LIST = `query List($first: Int!) {
  endUsers(first: $first) { edges { node {
    id firstName lastName ssn
    interactions(first: 5) { edges { node { id channel transcript(first: 5) { edges { node { sequence text } } } } } }
  } } }
}`;

/** Statements per store for one request, after a warm-up run of the same request (steady state). */
async function statementsFor(query: string, variables: Record<string, unknown>): Promise<{ counts: Record<Store, number>; data: any }> {
  // Keys cached long before (by the seed) would reach their time bound mid-test: the warm-up caches them afresh.
  for (const name of SUBGRAPH_NAMES) world.stack.subgraphs[name].keyring.subjectCache.clear();
  const warm = await world.as(supervisor).send(query, variables);
  expect(warm.errors).toBeUndefined();
  counter.reset();
  const response = await world.as(supervisor).send(query, variables);
  expect(response.errors).toBeUndefined();
  return { counts: { ...counter.counts }, data: response.data };
}

const auditRows = (requestId?: string) =>
  world.stack.subgraphs.identity.dataSource.getRepository(AuditEvent).count({ where: { tenantId: world.acme.id, action: AuditAction.READ_SENSITIVE, ...(requestId ? { requestId } : {}) } });

describe('SQL statements per federated request', () => {
  it('answers the federated end-user in at most 2 statements in identity and 2 in interactions, the audit entry written', async () => {
    const id = world.acme.endUserIds[3];
    const before = await auditRows();
    const { counts, data } = await statementsFor(FEDERATED, { id });
    expect(data.endUser.id).toBe(id);
    expect(data.endUser.ssn).toMatch(/^\d{3}-\d{2}-\d{4}$/);
    const interactions = data.endUser.interactions.edges;
    expect(interactions.length).toBeGreaterThan(0);
    expect(interactions.some((edge: any) => edge.node.transcript.edges.length > 0)).toBe(true);
    expect(counts.identity).toBeLessThanOrEqual(2);
    expect(counts.interactions).toBeLessThanOrEqual(2);
    // Per-person keys come from the cache once warm.
    expect(counts['identity-keys']).toBe(0);
    expect(counts['interactions-keys']).toBe(0);
    // One sensitive-read entry per request (the warm-up's and this one's), on disk before the answer.
    expect(await auditRows()).toBe(before + 2);
    expect(counter.statements.filter((statement) => /^identity: INSERT/i.test(statement))).toHaveLength(1);
  });

  it('withholds the answer when its sensitive-read audit entry cannot be written', async () => {
    const identity = world.stack.subgraphs.identity.dataSource;
    const id = world.acme.endUserIds[5];
    await identity.query('ALTER TABLE audit_events RENAME TO audit_events_away');
    try {
      const refused = await world.as(supervisor).send(FEDERATED, { id });
      expect(refused.data?.endUser ?? null).toBeNull();
      expect(JSON.stringify(refused)).not.toMatch(/\d{3}-\d{2}-\d{4}/);
      expect(refused.errors?.map((error) => error.extensions?.code)).toContain('UNAVAILABLE');
      // A read of nothing sensitive needs no entry, and still answers.
      const plain = await world.as(supervisor).send(SINGLE, { id });
      expect(plain.errors).toBeUndefined();
      expect(plain.data.endUser.id).toBe(id);
    } finally {
      await identity.query('ALTER TABLE audit_events_away RENAME TO audit_events');
    }
    const again = await world.as(supervisor).send(FEDERATED, { id });
    expect(again.errors).toBeUndefined();
    expect(again.data.endUser.ssn).toMatch(/^\d{3}-\d{2}-\d{4}$/);
  });

  it('answers the single lookup in one identity statement and nothing elsewhere', async () => {
    const { counts, data } = await statementsFor(SINGLE, { id: world.acme.endUserIds[4] });
    expect(data.endUser.id).toBe(world.acme.endUserIds[4]);
    expect(counts).toMatchObject({ identity: 1, interactions: 0, consent: 0, crm: 0, 'identity-keys': 0 });
  });

  it('finds a caller by the blind index of their email in one identity statement', async () => {
    const { data: listed } = await world.as(supervisor).send('{ endUsers(first: 8) { edges { node { id email } } } }');
    const { id, email } = listed.endUsers.edges[7].node;
    const { counts, data } = await statementsFor('query($email: String) { endUsers(first: 5, filter: { email: $email }) { edges { node { id firstName email } } } }', { email });
    expect(data.endUsers.edges.map((edge: any) => edge.node.id)).toEqual([id]);
    expect(counts).toMatchObject({ identity: 1, interactions: 0, 'identity-keys': 0 });
  });

  it('reads the tenant’s settings once, not on every transcript append', async () => {
    const opened = await world.as(supervisor).send('mutation { recordInteraction(input: { channel: CHAT, direction: INBOUND, queue: "counts" }) { id } }');
    expect(opened.errors).toBeUndefined();
    const interactionId = opened.data.recordInteraction.id;
    const append = (from: number) =>
      world.as(supervisor).send(
        'mutation($interactionId: ID!, $segments: [TranscriptSegmentInput!]!) { appendTranscriptSegments(interactionId: $interactionId, segments: $segments) { appended } }',
        { interactionId, segments: [1, 2, 3].map((k) => ({ sequence: from + k, speaker: 'AGENT', text: `line ${from + k}, SSN 123-45-6789` })) },
      );
    expect((await append(0)).errors).toBeUndefined();
    counter.reset();
    const answer = await append(3);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.appendTranscriptSegments.appended).toEqual([4, 5, 6]);
    expect(counter.statements.filter((statement) => statement.startsWith('interactions:') && statement.includes('interaction_settings'))).toEqual([]);
  });

  it('runs as many statements for a list of 100 end-users, with transcripts and ssn, as for 5', async () => {
    const perSize: Record<number, Record<Store, number>> = {};
    for (const first of [5, 20, 50, 100]) {
      const { counts, data } = await statementsFor(LIST, { first });
      expect(data.endUsers.edges).toHaveLength(first);
      expect(data.endUsers.edges.every((edge: any) => /^\d{3}-\d{2}-\d{4}$/.test(edge.node.ssn))).toBe(true);
      expect(data.endUsers.edges.some((edge: any) => edge.node.interactions.edges.some((i: any) => i.node.transcript.edges.length > 0))).toBe(true);
      expect(counts.identity).toBeLessThanOrEqual(2);
      expect(counts.interactions).toBeLessThanOrEqual(2);
      expect(counts['identity-keys']).toBe(0);
      expect(counts['interactions-keys']).toBe(0);
      perSize[first] = counts;
    }
    expect(perSize[20]).toEqual(perSize[5]);
    expect(perSize[50]).toEqual(perSize[5]);
    expect(perSize[100]).toEqual(perSize[5]);
  });
});
