import { createGatewayServer, type GatewayServer } from '../../gateway/server';
import { httpClient } from '../helpers/graphql';
import { LiveClient } from '../helpers/live-client';
import { seededStack, type SeededStack } from '../helpers/stack';

// Runs when REDIS_URL names a Redis server (CI sets it): the interactions subgraph publishes
// after commit on `<prefix>live:<tenantId>`, and every gateway of the deployment hears it.
const redisUrl = process.env.REDIS_URL!;
let world: SeededStack;
const gateways: GatewayServer[] = [];
const clients: LiveClient[] = [];
const tokens: Record<string, string> = {};

const SEGMENTS = 'subscription($id: ID!, $from: Int) { transcriptSegmentsAdded(interactionId: $id, fromSequence: $from) { sequence text } }';

async function gateway(env: { redisPrefix?: string } = {}): Promise<string> {
  const config = world.env.gatewayConfig;
  const server = await createGatewayServer({ ...config, subgraphUrls: world.stack.subgraphUrls, redisPrefix: env.redisPrefix ?? config.redisPrefix });
  gateways.push(server);
  return (await server.listen(0)).url;
}

async function subscriber(url: string, id: string) {
  const client = await LiveClient.connect(url, tokens.supervisor);
  clients.push(client);
  const sub = client.subscribe(SEGMENTS, { id, from: 0 });
  // The stored segment arrives only once the live channel is subscribed: nothing later is missed.
  await client.nextResults(sub, 1);
  return { client, sub };
}

beforeAll(async () => {
  world = await seededStack({ env: { REDIS_URL: redisUrl, REDIS_PREFIX: `cx-test-${process.pid}:` } });
  for (const role of ['agent', 'supervisor', 'admin']) tokens[role] = await world.env.token({ tenant: 'acme', roles: [role], sub: `acme-${role}` });
}, 120_000);
afterAll(async () => {
  for (const client of clients) client.close();
  await Promise.all(gateways.map((g) => g.close()));
  await world?.close();
});

it('two gateway instances behind one Redis both deliver an append made through either; another deployment’s prefix hears nothing', async () => {
  const recorded = await world.as(tokens.agent).send('mutation { recordInteraction(input: { channel: CHAT, direction: INBOUND, transcript: [{ sequence: 1, speaker: END_USER, text: "hello" }] }) { id } }');
  const id = recorded.data.recordInteraction.id;
  const second = await gateway();
  const otherDeployment = await gateway({ redisPrefix: 'cx-other-deployment:' });
  const one = await subscriber(world.stack.gatewayUrl, id);
  const two = await subscriber(second, id);
  const other = await subscriber(otherDeployment, id);
  await world.as(tokens.agent).send('mutation($id: ID!) { appendTranscriptSegments(interactionId: $id, segments: [{ sequence: 2, speaker: AGENT, text: "through the first" }]) { appended } }', { id });
  await httpClient(second, tokens.agent).send('mutation($id: ID!) { appendTranscriptSegments(interactionId: $id, segments: [{ sequence: 3, speaker: AGENT, text: "through the second" }]) { appended } }', { id });
  for (const { client, sub } of [one, two]) {
    expect((await client.nextResults(sub, 3)).map((r) => r.data.transcriptSegmentsAdded.text)).toEqual(['hello', 'through the first', 'through the second']);
  }
  expect(other.client.results(other.sub).map((r) => r.data.transcriptSegmentsAdded.text)).toEqual(['hello']);
});

it('a revocation announced through Redis ends the subscription at the other instance on its next event', async () => {
  const subject = `live-redis-${Date.now()}`;
  const invited = await world.as(tokens.admin).send(`mutation { inviteOperator(input: { subject: "${subject}", email: "${subject}@acme.example", roles: [AGENT] }) { id } }`);
  const token = await world.env.token({ tenant: 'acme', roles: ['agent'], sub: subject });
  const recorded = await world.as(tokens.agent).send('mutation { recordInteraction(input: { channel: CHAT, direction: INBOUND }) { id } }');
  const url = await gateway();
  const client = await LiveClient.connect(url, token);
  clients.push(client);
  const sub = client.subscribe(SEGMENTS, { id: recorded.data.recordInteraction.id });
  await world.as(tokens.admin).send('mutation($id: ID!) { revokeOperator(id: $id) { status } }', { id: invited.data.inviteOperator.id });
  await world.as(tokens.agent).send('mutation($id: ID!) { appendTranscriptSegments(interactionId: $id, segments: [{ sequence: 1, speaker: AGENT, text: "after" }]) { appended } }', { id: recorded.data.recordInteraction.id });
  expect(await client.closed).toEqual({ code: 4403, reason: 'revoked' });
  expect(client.results(sub)).toEqual([]);
});
