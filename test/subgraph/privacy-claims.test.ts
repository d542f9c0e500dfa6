import { In } from 'typeorm';
import { PrivacyTask } from '../../subgraphs/identity/entities/privacy-request.entity';
import { claimDueRequest, dueRequests } from '../../subgraphs/identity/services/privacy.service';
import { operation } from '../helpers/graphql';
import { subgraphHarness, type SubgraphHarness, type Tenant } from '../helpers/subgraph-harness';

// Several identity instances run the retry worker: each due request must be claimed by one of them.
let identity: SubgraphHarness;
let acme: Tenant;
const endUserIds: string[] = [];
beforeAll(async () => {
  // The worker of this instance stays idle: the claims below are the only ones.
  identity = await subgraphHarness('identity', { env: { PRIVACY_RETRY_INTERVAL_MS: '0' } });
  acme = (await identity.as({ kind: 'platform' }).data(operation<{ createTenant: Tenant }>(/* GraphQL */ `
    mutation { createTenant(input: { slug: "acme", name: "Acme", deployment: PUBLIC_CLOUD, region: "eu-west-1" }) { id slug } }
  `))).createTenant;
  for (const name of ['Ada', 'Grace']) {
    const created = await identity.as({ tenant: acme, roles: ['admin'] }).data(
      operation<{ createEndUser: { id: string } }, { name: string }>(/* GraphQL */ `mutation ($name: String!) { createEndUser(input: { firstName: $name }) { id } }`),
      { name },
    );
    endUserIds.push(created.createEndUser.id);
  }
});
afterAll(() => identity?.close());

const OBJECT = operation<{ createPrivacyRequest: { id: string } }, { input: { kind: 'OBJECTION'; endUserId: string } }>(/* GraphQL */ `
  mutation ($input: CreatePrivacyRequestInput!) { createPrivacyRequest(input: $input) { id } }
`);

async function dueObjection(endUserId: string): Promise<string> {
  const officer = identity.as({ tenant: acme, roles: ['privacy_officer'] });
  const { id } = (await officer.data(OBJECT, { input: { kind: 'OBJECTION', endUserId } })).createPrivacyRequest;
  // As if its target had failed a minute ago.
  await identity.dataSource.getRepository(PrivacyTask).update({ requestId: id }, { status: 'FAILED' as PrivacyTask['status'], nextAttemptAt: new Date(Date.now() - 60_000) });
  return id;
}

it('lets exactly one of many concurrent claims take a due request, and none take it again while leased', async () => {
  const dataSource = identity.dataSource;
  const id = await dueObjection(endUserIds[0]);
  expect((await dueRequests(dataSource)).map((r) => r.id)).toContain(id);
  const claims = await Promise.all(Array.from({ length: 6 }, () => claimDueRequest(dataSource, id)));
  expect(claims.filter(Boolean)).toHaveLength(1);
  expect((await dueRequests(dataSource)).map((r) => r.id)).not.toContain(id);
  expect(await claimDueRequest(dataSource, id)).toBe(false);
  // Once the lease has run out (a worker that died mid-run), another takes it over.
  const later = new Date(Date.now() + 6 * 60_000);
  expect((await dueRequests(dataSource, later)).map((r) => r.id)).toContain(id);
  expect(await claimDueRequest(dataSource, id, later)).toBe(true);
});

it('claims nothing that is not due: done, not yet due, or unknown', async () => {
  const dataSource = identity.dataSource;
  const id = await dueObjection(endUserIds[1]);
  const tasks = dataSource.getRepository(PrivacyTask);
  await tasks.update({ requestId: id }, { nextAttemptAt: new Date(Date.now() + 60_000) });
  expect(await claimDueRequest(dataSource, id)).toBe(false);
  await tasks.update({ requestId: id }, { status: 'DONE' as PrivacyTask['status'], nextAttemptAt: new Date(Date.now() - 60_000) });
  expect(await claimDueRequest(dataSource, id)).toBe(false);
  expect(await claimDueRequest(dataSource, '00000000-0000-4000-8000-000000000000')).toBe(false);
  expect(await tasks.countBy({ requestId: In([id]), status: 'DONE' as PrivacyTask['status'] })).toBe(1);
});
