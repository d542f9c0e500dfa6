import type { DataSource } from 'typeorm';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/kit/config';
import { callSubgraph, memberClaims } from '../helpers/environment';
import { seededStack, type SeededStack } from '../helpers/stack';
import { StatementCounter } from '../helpers/statement-counter';

let world: SeededStack;
let supervisor: string;

let counter: StatementCounter<SubgraphName>;

beforeAll(async () => {
  world = await seededStack({ endUsersPerTenant: 60 });
  supervisor = await world.env.token({ tenant: 'acme', roles: ['supervisor'] });
  counter = new StatementCounter(
    Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, world.stack.subgraphs[name].dataSource])) as Record<SubgraphName, DataSource>,
  );
});
afterAll(async () => {
  counter?.close();
  await world?.close();
});

const LIST = `query($first: Int!) {
  endUsers(first: $first) {
    edges { node {
      id firstName email
      interactions(first: 5) { edges { node { id channel } } pageInfo { hasNextPage } }
      consents(first: 5) { edges { node { purpose granted } } }
      crmLinks(first: 5) { edges { node { externalId } } }
    } }
  }
}`;

async function statementsFor(first: number): Promise<{ counts: Record<SubgraphName, number>; data: any }> {
  // A warm-up run leaves per-tenant keys and access answers cached, as in steady state.
  await world.as(supervisor).send(LIST, { first });
  counter.reset();
  const response = await world.as(supervisor).send(LIST, { first });
  expect(response.errors).toBeUndefined();
  expect(response.data.endUsers.edges).toHaveLength(first);
  return { counts: { ...counter.counts }, data: response.data };
}

describe('database work per request', () => {
  it('runs the same number of SQL statements for a list of 5 end-users as for 50', async () => {
    const small = await statementsFor(5);
    const large = await statementsFor(50);
    expect(large.counts).toEqual(small.counts);
    // One statement per subgraph for the list and each nested field; none per row.
    expect(large.counts).toEqual({ identity: 1, interactions: 1, consent: 1, crm: 1 });
  });

  it('gives each end-user exactly the children a single lookup gives', async () => {
    const { data } = await statementsFor(50);
    const sample = [0, 17, 49].map((index) => data.endUsers.edges[index].node);
    for (const listed of sample) {
      const single = await world.as(supervisor).send(
        `query($id: ID!) { endUser(id: $id) {
          interactions(first: 5) { edges { node { id channel } } pageInfo { hasNextPage } }
          consents(first: 5) { edges { node { purpose granted } } }
          crmLinks(first: 5) { edges { node { externalId } } }
        } }`,
        { id: listed.id },
      );
      expect(single.data.endUser).toEqual({ interactions: listed.interactions, consents: listed.consents, crmLinks: listed.crmLinks });
      expect(listed.interactions.edges.length).toBeGreaterThan(0);
    }
  });

  it('keeps per-parent pages exact when a page is smaller than what a parent has', async () => {
    const query = `query { endUsers(first: 20) { edges { node { id interactions(first: 1) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } } } }`;
    const { data } = await world.as(supervisor).send(query);
    let withMore = 0;
    for (const { node } of data.endUsers.edges) {
      expect(node.interactions.edges.length).toBeLessThanOrEqual(1);
      if (!node.interactions.pageInfo.hasNextPage) continue;
      withMore += 1;
      const next = await world.as(supervisor).send(
        'query($id: ID!, $after: String) { endUser(id: $id) { interactions(first: 10, after: $after) { edges { node { id } } } } }',
        { id: node.id, after: node.interactions.pageInfo.endCursor },
      );
      const rest = next.data.endUser.interactions.edges.map((edge: any) => edge.node.id);
      expect(rest.length).toBeGreaterThan(0);
      expect(rest).not.toContain(node.interactions.edges[0].node.id);
      expect([...rest].sort()).toEqual(rest);
      expect(rest[0] > node.interactions.edges[0].node.id).toBe(true);
    }
    expect(withMore).toBeGreaterThan(0);
  });

  it('resolves a batch of 100 entity references in one statement per subgraph, never across tenants', async () => {
    const acmeIds = (await world.as(supervisor).send('{ endUsers(first: 60) { edges { node { id } } } }'))
      .data.endUsers.edges.map((edge: any) => edge.node.id);
    const representations = [...acmeIds, ...world.globex.endUserIds.slice(0, 40)].map((id) => ({ __typename: 'EndUser', id }));
    expect(representations).toHaveLength(100);
    const query = `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on EndUser { id interactions(first: 3) { edges { node { id } } } } } }`;
    counter.reset();
    const answer = await callSubgraph(
      await world.env.signer(), 'interactions', world.stack.subgraphUrls.interactions,
      memberClaims(world.acme, ['supervisor']), query, { representations },
    );
    expect(answer.errors).toBeUndefined();
    expect(counter.counts.interactions).toBe(1);
    const foreign = answer.data._entities.slice(60);
    expect(foreign.every((entity: any) => entity.interactions.edges.length === 0)).toBe(true);
    expect(answer.data._entities.slice(0, 60).some((entity: any) => entity.interactions.edges.length > 0)).toBe(true);
  });
});
