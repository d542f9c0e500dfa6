import { createHash, randomBytes } from 'node:crypto';
import { RedisAccessEvents } from '../../platform/access-events';
import { requestDigest } from '../../platform/contracts/signed-context';
import { Operator } from '../../subgraphs/identity/entities/operator.entity';
import { bearer, codes, memberClaims } from '../helpers/environment';
import { seededStack, type SeededStack } from '../helpers/stack';
import { tcpProxy, type TcpProxy } from '../helpers/stoppable-proxy';
import { eventually } from '../helpers/eventually';
import { httpClient, operation } from '../helpers/graphql';

// Redis behind a proxy this test stops and starts (the shared Redis itself is never stopped).
const target = new URL(process.env.REDIS_URL!);
const prefix = `cxo${randomBytes(4).toString('hex')}:`;
const BUDGET = 30;
let proxy: TcpProxy;
let world: SeededStack;
let proxyUrl: string;

beforeAll(async () => {
  proxy = await tcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  proxyUrl = `redis://127.0.0.1:${proxy.port}`;
  world = await seededStack({
    endUsersPerTenant: 2,
    env: { REDIS_URL: proxyUrl, REDIS_PREFIX: prefix, ACCESS_CACHE_TTL_MS: '60000', RATE_LIMIT_REQUESTS: String(BUDGET) },
  });
}, 60_000);

afterAll(async () => {
  await world?.close();
  await proxy?.close();
});

const INVITE = operation<{ inviteOperator: { id: string } }>(/* GraphQL */ `
  mutation { inviteOperator(input: { subject: "acme-outage-agent", email: "oa@acme.example", roles: [AGENT] }) { id } }
`);
const REVOKE = operation<{ revokeOperator: { status: string } }, { id: string }>(/* GraphQL */ 'mutation($id: ID!) { revokeOperator(id: $id) { status } }');
/** The gateway as one caller. */
const as = (token: string) => httpClient(world.stack.gatewayUrl, token);

/** Waits (bounded) until the stack can make access changes again, i.e. its Redis clients reconnected. */
async function untilChangesWork(): Promise<void> {
  const platform = await world.env.token({ platform: true });
  await eventually(
    async () => !codes(await as(platform).send('mutation($id: ID!) { setTenantStatus(id: $id, status: ACTIVE) { status } }', { id: world.globex.id })).includes('UNAVAILABLE'),
    { timeoutMs: 20_000, intervalMs: 200, what: 'access changes to come back after Redis returned' },
  );
}

describe('with Redis down', () => {
  let agent: string;
  let agentId: string;

  beforeAll(async () => {
    const admin = await world.env.token({ tenant: 'acme', roles: ['admin'], sub: 'acme-outage-admin' });
    const invited = await as(admin).data(INVITE);
    agentId = invited.inviteOperator.id;
    agent = await world.env.token({ tenant: 'acme', roles: ['agent'], sub: 'acme-outage-agent' });
    // Answered and cached while Redis is up.
    expect((await as(agent).send('{ me { id } }')).errors).toBeUndefined();
    await proxy.stop();
  });

  it('serves reads: every request answers with data, from identity when versions cannot be read', async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await as(agent).send(operation<{ endUsers: { edges: { node: { id: string; firstName: string } }[] } }>(/* GraphQL */ '{ endUsers(first: 2) { edges { node { id firstName } } } }'));
      expect(answer.status).toBe(200);
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.endUsers.edges).toHaveLength(2);
    }
  });

  it('refuses access changes with UNAVAILABLE and changes nothing', async () => {
    const admin = await world.env.token({ tenant: 'acme', roles: ['admin'], sub: 'acme-outage-admin' });
    const platform = await world.env.token({ platform: true });
    const attempts = [
      as(admin).send('mutation($id: ID!) { revokeOperator(id: $id) { status } }', { id: agentId }),
      as(admin).send('mutation($id: ID!) { setOperatorRoles(id: $id, roles: [SUPERVISOR]) { roles } }', { id: agentId }),
      as(admin).send('mutation { inviteOperator(input: { subject: "acme-outage-late", email: "late@acme.example", roles: [AGENT] }) { id } }'),
      as(admin).send('mutation { updateTenantAccessPolicy(input: { mode: ALLOWLIST, cidrs: ["10.0.0.0/8"] }) { id } }'),
      as(platform).send('mutation($id: ID!) { setTenantStatus(id: $id, status: DISABLED) { status } }', { id: world.acme.id }),
    ];
    for (const answer of await Promise.all(attempts)) {
      expect(codes(answer)).toEqual(['UNAVAILABLE']);
      expect(answer.data ?? null).toBeNull();
    }
    const operators = world.stack.subgraphs.identity.dataSource.getRepository(Operator);
    expect(await operators.findOneByOrFail({ id: agentId })).toMatchObject({ status: 'ACTIVE', roles: ['agent'] });
    expect(await operators.findOneBy({ subject: 'acme-outage-late' })).toBeNull();
    // The agent was not revoked, and still reads.
    expect((await as(agent).send('{ me { id } }')).errors).toBeUndefined();
  });

  it('still limits requests, with a budget per instance', async () => {
    const globex = await world.env.token({ tenant: 'globex', roles: ['admin'] });
    const statuses: number[] = [];
    for (let i = 0; i < BUDGET + 3; i++) statuses.push((await as(globex).send('{ me { id } }')).status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(BUDGET);
    expect(statuses.slice(BUDGET)).toEqual([429, 429, 429]);
  });

  it('still refuses a context replayed to the same process', async () => {
    const signer = await world.env.signer();
    const query = '{ endUsers(first: 1) { edges { node { id } } } }';
    const token = signer.sign(memberClaims(world.acme, ['agent']), 'identity', requestDigest(query, undefined));
    const send = () => httpClient(world.stack.subgraphUrls.identity, undefined, { 'x-cx-context': token }).send(query);
    expect((await send()).errors).toBeUndefined();
    expect(codes(await send())).toEqual(['UNAUTHENTICATED']);
  });

  it('answers a persisted-query hash it cannot look up as not found, and the full query as usual', async () => {
    const query = `{ me { id } } # outage ${randomBytes(4).toString('hex')}`;
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const extensions = { persistedQuery: { version: 1, sha256Hash } };
    const post = (body: Record<string, unknown>) =>
      fetch(world.stack.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(agent) }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>);
    expect((await post({ extensions })).errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await post({ query, extensions })).data?.me?.id).toBeTruthy();
  });

  it('recovers by itself when Redis returns: changes are made and hold from the next request', async () => {
    await proxy.start();
    await untilChangesWork();
    const admin = await world.env.token({ tenant: 'acme', roles: ['admin'], sub: 'acme-outage-admin' });
    expect((await as(admin).data(REVOKE, { id: agentId })).revokeOperator.status).toBe('REVOKED');
    expect(codes(await as(agent).send('{ me { id } }'))).toEqual(['FORBIDDEN']);
  });
});

it('makes a bump lost to an outage as soon as Redis is back, so no gateway keeps an answer cached before the change', async () => {
  const events = new RedisAccessEvents(proxyUrl, prefix);
  try {
    const before = await events.versions('globex');
    expect(before).not.toBeNull();
    await proxy.stop();
    await expect(events.publish('globex')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(await events.versions('globex')).toBeNull();
    await proxy.start();
    const after = await eventually(
      async () => {
        const versions = await events.versions('globex');
        return versions !== null && versions.tenant !== before!.tenant && versions;
      },
      { timeoutMs: 10_000, intervalMs: 100, what: 'the lost bump to be made' },
    );
    expect(Number(after.tenant)).toBe(Number(before!.tenant) + 1);
  } finally {
    await events.close();
  }
});

it('keeps each deployment under its own prefix', async () => {
  const ours = new RedisAccessEvents(proxyUrl, prefix);
  const theirs = new RedisAccessEvents(proxyUrl, `cxother${randomBytes(3).toString('hex')}:`);
  try {
    const mine = (await ours.versions('acme'))!.tenant;
    await theirs.publish('acme');
    await theirs.publish('acme');
    expect((await ours.versions('acme'))!.tenant).toBe(mine);
    expect(ours.channel).not.toBe(theirs.channel);
  } finally {
    await ours.close();
    await theirs.close();
  }
});
