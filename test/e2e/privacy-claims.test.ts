import { In } from 'typeorm';
import { PrivacyTask } from '../../subgraphs/identity/entities/privacy-request.entity';
import { claimDueRequest, dueRequests } from '../../subgraphs/identity/services/privacy.service';
import { bearer, postGraphQL } from '../helpers/environment';
import { seededStack, type SeededStack } from '../helpers/stack';

// Several identity instances run the retry worker: each due request must be claimed by one of them.
let world: SeededStack;
beforeAll(async () => {
  world = await seededStack({ endUsersPerTenant: 2, env: { PRIVACY_RETRY_INTERVAL_MS: '0' } });
});
afterAll(() => world?.close());

async function dueObjection(endUserId: string): Promise<string> {
  const officer = await world.env.token({ tenant: 'acme', roles: ['privacy_officer'] });
  const answer = await postGraphQL(world.stack.gatewayUrl, 'mutation($input: CreatePrivacyRequestInput!) { createPrivacyRequest(input: $input) { id } }', { input: { kind: 'OBJECTION', endUserId } }, bearer(officer));
  const id = answer.data.createPrivacyRequest.id as string;
  // As if its target had failed a minute ago.
  await world.stack.subgraphs.identity.dataSource.getRepository(PrivacyTask).update({ requestId: id }, { status: 'FAILED' as PrivacyTask['status'], nextAttemptAt: new Date(Date.now() - 60_000) });
  return id;
}

it('lets exactly one of many concurrent claims take a due request, and none take it again while leased', async () => {
  const dataSource = world.stack.subgraphs.identity.dataSource;
  const id = await dueObjection(world.acme.endUserIds[0]);
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
  const dataSource = world.stack.subgraphs.identity.dataSource;
  const id = await dueObjection(world.acme.endUserIds[1]);
  const tasks = dataSource.getRepository(PrivacyTask);
  await tasks.update({ requestId: id }, { nextAttemptAt: new Date(Date.now() + 60_000) });
  expect(await claimDueRequest(dataSource, id)).toBe(false);
  await tasks.update({ requestId: id }, { status: 'DONE' as PrivacyTask['status'], nextAttemptAt: new Date(Date.now() - 60_000) });
  expect(await claimDueRequest(dataSource, id)).toBe(false);
  expect(await claimDueRequest(dataSource, '00000000-0000-4000-8000-000000000000')).toBe(false);
  expect(await tasks.countBy({ requestId: In([id]), status: 'DONE' as PrivacyTask['status'] })).toBe(1);
});
