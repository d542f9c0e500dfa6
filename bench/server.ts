import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadGatewayConfig } from '../gateway/config';
import { signDevToken } from '../gateway/auth/dev-issuer';
import { seedDemoData, type DataSources, type Keyrings } from '../scripts/seed';
import { subgraphs } from '../subgraphs';
import { EndUser } from '../subgraphs/identity/entities/end-user.entity';
import { Tenant } from '../subgraphs/identity/entities/tenant.entity';
import { loadDevKeys } from '../platform/dev-keys';
import { loadSubgraphConfig, SUBGRAPH_NAMES } from '../subgraphs/kit/config';
import { openDataSource } from '../subgraphs/kit/data-source';
import { createSubgraphServer, openKeyring, type SubgraphServer } from '../subgraphs/kit/server';
import { startBypassedSubgraphs } from './bypassed-stack';
import { seedBulkTenant } from './bulk-tenant';
import { loadBenchConfig } from './config';

/**
 * The subgraphs process (forked by bench/run.ts): the secured subgraphs and their bypassed twins
 * over the same seeded databases, so both stacks answer identical queries with identical data.
 * The gateways run in a process of their own (bench/gateway.ts).
 */
async function main(): Promise<void> {
  const bench = loadBenchConfig();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-bench-'));
  const env = {
    NODE_ENV: 'development', DATA_DIR: path.join(root, 'data'), KEYS_DIR: path.join(root, 'keys'), LOG_LEVEL: 'silent', SEED: 'false',
    // A load test must not run into the tenant budgets; the limiter still counts every request.
    RATE_LIMIT_REQUESTS: '1000000000', RATE_LIMIT_COST: '1000000000000',
  };
  // A database of its own, on MySQL when DATABASE_URL is given.
  if (bench.databaseUrl) Object.assign(env, { DATABASE_URL: bench.databaseUrl.replace(/\/[^/]*$/, '') + `/bench${process.pid}` });
  const subgraphConfig = loadSubgraphConfig(env);
  const gatewayConfig = loadGatewayConfig(env);
  const sources = {} as DataSources;
  for (const name of SUBGRAPH_NAMES) {
    const { entities, migrations } = subgraphs[name];
    sources[name] = await openDataSource({ subgraph: name, entities, migrations, databaseUrl: subgraphConfig.databaseUrl, dataDir: subgraphConfig.dataDir });
  }
  const keyrings = {} as Keyrings;
  for (const name of SUBGRAPH_NAMES) keyrings[name] = await openKeyring(subgraphs[name], sources[name], subgraphConfig);
  await seedDemoData(sources, keyrings, bench.endUsersPerTenant);
  const seededAt = Date.now();
  if (bench.lookupEndUsers > 0) await seedBulkTenant(sources.identity, keyrings.identity, bench.lookupEndUsers);
  const bulkSeedSeconds = (Date.now() - seededAt) / 1000;

  const servers: SubgraphServer[] = [];
  const subgraphUrls = {} as Record<string, string>;
  for (const name of SUBGRAPH_NAMES) {
    const server = await createSubgraphServer(subgraphs[name], { config: subgraphConfig, dataSource: sources[name] });
    subgraphUrls[name] = (await server.listen(0)).url;
    servers.push(server);
  }

  const tenant = await sources.identity.getRepository(Tenant).findOneByOrFail({ slug: 'acme' });
  const endUsers = await sources.identity.getRepository(EndUser).find({ where: { tenantId: tenant.id }, order: { id: 'ASC' } });
  const devKeys = await loadDevKeys(subgraphConfig.keysDir);
  const token = await signDevToken(devKeys.accessToken.privateJwk, {
    issuer: gatewayConfig.tokenIssuer, audience: gatewayConfig.tokenAudience, subject: 'bench-admin', tenant: 'acme', roles: ['admin'],
  });
  const claims = {
    requestId: 'bench',
    tenant: { id: tenant.id, slug: tenant.slug },
    principal: { id: 'bench-admin', kind: 'operator' as const, roles: ['admin'], scopes: [] },
    clientIp: '127.0.0.1',
    accessPolicy: { mode: 'EVERYONE' as const, cidrs: [] },
  };
  const bypassed = await startBypassedSubgraphs(sources, keyrings);
  const bulkToken = await signDevToken(devKeys.accessToken.privateJwk, {
    issuer: gatewayConfig.tokenIssuer, audience: gatewayConfig.tokenAudience, subject: 'bench-bulk-agent', tenant: 'bulk', roles: ['agent'],
  });

  process.send!({
    ready: true,
    env,
    secure: { subgraphs: subgraphUrls },
    bypassed: { subgraphs: bypassed.subgraphUrls },
    token,
    bulk: { token: bulkToken, endUsers: bench.lookupEndUsers, seedSeconds: bulkSeedSeconds },
    endUserIds: endUsers.map((e) => e.id),
    database: subgraphConfig.databaseUrl ? 'mysql' : 'sqlite',
    // The bench stack's throw-away development secret, so the runner can call subgraphs directly.
    contextSecret: devKeys.contextSecret,
    claims,
  });
  process.on('message', (message: { memory?: boolean }) => {
    if (message.memory) process.send!({ memory: process.memoryUsage().rss });
  });
  process.once('disconnect', async () => {
    await bypassed.close();
    await Promise.all(servers.map((s) => s.close()));
    if (subgraphConfig.databaseUrl) await Promise.all(Object.values(sources).map((s) => s.dropDatabase()));
    await Promise.all(Object.values(sources).map((s) => s.destroy()));
    await Promise.all(Object.values(keyrings).map((k) => k.keyStore?.destroy()));
    fs.rmSync(root, { recursive: true, force: true });
    process.exit(0);
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
