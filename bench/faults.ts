import 'reflect-metadata';
import { createGatewayServer } from '../gateway/server';
import { startFakeCrm } from '../scripts/crm-fake/fake-crm';
import { bearer, postGraphQL } from '../test/helpers/environment';
import { seededStack } from '../test/helpers/stack';
import { startTcpProxy, timed } from '../test/helpers/tcp-proxy';
import { loadBenchConfig } from './config';

/**
 * Answer times under faults, with the default deadlines (REQUEST_TIMEOUT_MS 10 s, DB_QUERY_TIMEOUT_MS
 * 5 s, DB_ACQUIRE_TIMEOUT_MS 3 s, CRM_TIMEOUT_MS 2 s within CRM_BUDGET_MS 4 s): a hung interactions
 * subgraph, a slow CRM and, with DATABASE_URL (MariaDB), a stalled database. Everything runs on
 * loopback on free ports; faults are made by proxies this script owns.
 *
 *   node scripts/ensure-built.js && node dist/bench/faults.js
 *   DATABASE_URL=mysql://root@127.0.0.1:3306/cx node dist/bench/faults.js
 */
const PROFILES = `{ endUsers(first: 5) { edges { node { id firstName
  interactions(first: 1) { edges { node { id } } } consents { edges { node { purpose } } } } } } }`;

async function main(): Promise<void> {
  const rows: [string, string][] = [];
  const mariadb = loadBenchConfig().databaseUrl;
  const database = mariadb ? new URL(mariadb) : undefined;
  const dbProxy = database ? await startTcpProxy(Number(database.port || 3306), database.hostname) : undefined;
  // The stack's databases go on the server through the proxy, so the proxy can stall them.
  if (database && dbProxy) database.port = String(dbProxy.port);
  const fake = await startFakeCrm();
  const world = await seededStack({
    endUsersPerTenant: 5,
    env: { LOG_LEVEL: 'silent', CRM_CACHE_TTL_MS: '0', ACCESS_CACHE_TTL_MS: '0' },
    databaseServer: database?.toString(),
  });
  const admin = await world.env.token({ tenant: 'acme', roles: ['admin'] });
  const port = (url: string) => Number(new URL(url).port);
  const interactions = await startTcpProxy(port(world.stack.subgraphUrls.interactions));
  const gateway = await createGatewayServer({
    ...world.env.gatewayConfig,
    subgraphUrls: { ...world.stack.subgraphUrls, interactions: interactions.url() },
  });
  const url = (await gateway.listen(0)).url;
  const ask = (query: string, variables?: Record<string, unknown>, at = url) => postGraphQL(at, query, variables, bearer(admin));
  const summary = (result: Awaited<ReturnType<typeof ask>>) =>
    `HTTP ${result.status}, ${[...new Set((result.errors ?? []).map((error) => error.extensions?.code))].join(',') || 'no errors'}`;
  try {
    const healthy = await timed(() => ask(PROFILES));
    rows.push(['healthy, federated profiles', `${healthy.ms} ms (${summary(healthy.result)})`]);

    interactions.set('stall');
    const hung = await timed(() => ask(PROFILES));
    rows.push(['interactions subgraph hung', `${hung.ms} ms (${summary(hung.result)}, ${hung.result.errors?.length ?? 0} errors at .interactions, the rest answered)`]);
    interactions.set('forward');
    const after = await timed(() => ask(PROFILES));
    rows.push(['  then healed', `${after.ms} ms (${summary(after.result)})`]);

    const created = await ask(
      'mutation($input: CreateCrmConnectionInput!) { createCrmConnection(input: $input) { id } }',
      { input: { name: 'Bench HubSpot', provider: 'HUBSPOT', role: 'SERVICE_PROVIDER', baseUrl: fake.urls.hubspot, credentials: fake.credentials.hubspot } },
    );
    const contact = fake.addHubSpotContact({ firstname: 'Ada', lastname: 'Bench', email: 'ada.bench@example.com' });
    const endUserId = world.acme.endUserIds[0];
    await ask('mutation($input: LinkCrmRecordInput!) { linkCrmRecord(input: $input) { id } }', {
      input: { endUserId, connectionId: created.data.createCrmConnection.id, externalId: contact.id },
    });
    const RECORDS = 'query($id: ID!) { endUser(id: $id) { id firstName crmRecords { edges { node { name } } } } }';
    fake.setMode('hubspot', { kind: 'slow', delayMs: 30_000 });
    for (let i = 1; i <= 3; i++) {
      const slow = await timed(() => ask(RECORDS, { id: endUserId }));
      rows.push([`CRM slow (30 s per call), request ${i}`, `${slow.ms} ms (${summary(slow.result)})`]);
    }
    fake.setMode('hubspot', { kind: 'up' });

    if (dbProxy) {
      dbProxy.set('stall');
      const stalled = await Promise.all(Array.from({ length: 12 }, () => timed(() => ask(PROFILES, undefined, world.stack.gatewayUrl))));
      const times = stalled.map((entry) => entry.ms);
      rows.push(['database stalled, 12 concurrent requests', `${Math.min(...times)}-${Math.max(...times)} ms (${summary(stalled[0].result)})`]);
      dbProxy.set('forward');
      const healed = await timed(() => ask(PROFILES, undefined, world.stack.gatewayUrl));
      rows.push(['  then healed', `${healed.ms} ms (${summary(healed.result)})`]);
    }
  } finally {
    await gateway.close();
    await interactions.close();
    dbProxy?.set('forward');
    await world.close();
    await dbProxy?.close();
    await fake.close();
  }
  const width = Math.max(...rows.map(([name]) => name.length));
  for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
