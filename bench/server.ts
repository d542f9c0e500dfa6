import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { loadGatewayConfig } from '../gateway/config';
import { signDevToken } from '../gateway/auth/dev-issuer';
import { seedDemoData, type DataSources, type Keyrings } from '../scripts/seed';
import { subgraphs } from '../subgraphs';
import { EndUser } from '../subgraphs/identity/entities/end-user.entity';
import { Tenant } from '../subgraphs/identity/entities/tenant.entity';
import { loadDevKeys } from '../platform/dev-keys';
import type { RequestClaims } from '../platform/contracts/signed-context';
import { loadSubgraphConfig, SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs/kit/config';
import { openDataSource } from '../subgraphs/kit/data-source';
import { createSubgraphServer, openKeyring, type SubgraphServer } from '../subgraphs/kit/server';
import { startBypassedSubgraphs } from './bypassed-stack';
import { seedBulkTenant } from './bulk-tenant';
import { accessEvents } from '../platform/access-events';
import { loadBenchConfig } from './config';

/** What bench/run.ts asks of a subgraphs process. */
export interface ServerStart {
  /** Secured subgraphs, or their twins with access control taken out. */
  stack: 'secure' | 'bypassed';
  /** The subgraphs this process serves (all four by default). */
  subgraphs?: SubgraphName[];
  /** Seeds a fresh database first; otherwise `env` names the seeded one. */
  seed: boolean;
  env?: Record<string, string>;
  /** The seed's size, as the runner was told it (its flags are not this process's). */
  endUsersPerTenant?: number;
  lookupEndUsers?: number;
}

/** The seeding process's answer; its shape is also what older checkouts answer, for baselines. */
export interface Ready {
  ready: true;
  env: Record<string, string>;
  secure: { subgraphs: Record<string, string> };
  bypassed: { subgraphs: Record<string, string> };
  token: string;
  bulk: { token: string; endUsers: number; seedSeconds: number };
  endUserIds: string[];
  database: string;
  /** The bench stack's own development context secret, to call subgraphs directly as the gateway would. */
  contextSecret: string;
  /** The claims the gateway would send for the bench admin. */
  claims: RequestClaims;
}

/** The database prefix of this run, as the URL's path, so each subgraph gets `<prefix>_<subgraph>`. */
function benchDatabaseUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/bench_${process.pid}`;
  return url.toString();
}

/**
 * A subgraphs process (forked by bench/run.ts): the seeding one opens a fresh database, seeds it
 * and serves the secured subgraphs; the others open the same database and serve what they are
 * asked (the bypassed twins, or a part of the subgraphs so a profile sees one subgraph alone).
 */
async function main(start: ServerStart): Promise<void> {
  const bench = loadBenchConfig();
  const names = start.subgraphs ?? [...SUBGRAPH_NAMES];
  const lookupEndUsers = start.lookupEndUsers ?? bench.lookupEndUsers;
  let root: string | undefined;
  let env: Record<string, string>;
  if (start.seed) {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-bench-'));
    env = {
      NODE_ENV: 'development', DATA_DIR: path.join(root, 'data'), KEYS_DIR: path.join(root, 'keys'), LOG_LEVEL: 'silent', SEED: 'false',
      // A load test must not run into the tenant budgets; the limiter still counts every request.
      RATE_LIMIT_REQUESTS: '1000000000', RATE_LIMIT_COST: '1000000000000',
    };
    if (bench.databaseUrl) env.DATABASE_URL = benchDatabaseUrl(bench.databaseUrl);
    // As deployed at scale: access answers cached at the gateway, versions and replay guard shared.
    if (bench.redisUrl) Object.assign(env, { REDIS_URL: bench.redisUrl, REDIS_PREFIX: `bench${process.pid}:` });
  } else {
    env = start.env!;
  }
  const subgraphConfig = loadSubgraphConfig(env);
  const gatewayConfig = loadGatewayConfig(env);
  const sources = {} as DataSources;
  const keyrings = {} as Keyrings;
  // The twin reads tenant versions where the secured subgraphs do (Redis when set): that read is data protection, not access control.
  const twinEvents = start.stack === 'bypassed' ? accessEvents(subgraphConfig.redisUrl, subgraphConfig.redisPrefix) : undefined;
  // The seeding process needs every database; the others only those they serve.
  for (const name of start.seed ? SUBGRAPH_NAMES : names) {
    const { entities, migrations } = subgraphs[name];
    sources[name] = await openDataSource({ subgraph: name, entities, migrations, databaseUrl: subgraphConfig.databaseUrl, dataDir: subgraphConfig.dataDir });
    keyrings[name] = await openKeyring(subgraphs[name], sources[name], subgraphConfig, twinEvents);
  }
  let bulkSeedSeconds = 0;
  if (start.seed) {
    await seedDemoData(sources, keyrings, start.endUsersPerTenant ?? bench.endUsersPerTenant);
    const seededAt = Date.now();
    if (lookupEndUsers > 0) await seedBulkTenant(sources.identity, keyrings.identity, lookupEndUsers);
    bulkSeedSeconds = (Date.now() - seededAt) / 1000;
  }

  const servers: SubgraphServer[] = [];
  const urls = {} as Record<string, string>;
  let closeBypassed: (() => Promise<unknown>) | undefined;
  if (start.stack === 'secure') {
    for (const name of names) {
      const server = await createSubgraphServer(subgraphs[name], { config: subgraphConfig, dataSource: sources[name] });
      urls[name] = (await server.listen(0)).url;
      servers.push(server);
    }
  } else {
    const bypassed = await startBypassedSubgraphs(names, sources as Record<SubgraphName, DataSource>, keyrings, subgraphConfig, twinEvents);
    Object.assign(urls, bypassed.subgraphUrls);
    closeBypassed = bypassed.close;
  }

  if (start.seed) {
    const tenant = await sources.identity.getRepository(Tenant).findOneByOrFail({ slug: 'acme' });
    const endUsers = await sources.identity.getRepository(EndUser).find({ where: { tenantId: tenant.id }, order: { id: 'ASC' } });
    const devKeys = await loadDevKeys(subgraphConfig.keysDir);
    const token = await signDevToken(devKeys.accessToken.privateJwk, {
      issuer: gatewayConfig.tokenIssuer, audience: gatewayConfig.tokenAudience, subject: 'bench-admin', tenant: 'acme', roles: ['admin'],
    });
    const bulkToken = await signDevToken(devKeys.accessToken.privateJwk, {
      issuer: gatewayConfig.tokenIssuer, audience: gatewayConfig.tokenAudience, subject: 'bench-bulk-agent', tenant: 'bulk', roles: ['agent'],
    });
    const ready: Ready = {
      ready: true,
      env,
      secure: { subgraphs: urls },
      bypassed: { subgraphs: {} },
      token,
      bulk: { token: bulkToken, endUsers: lookupEndUsers, seedSeconds: bulkSeedSeconds },
      endUserIds: endUsers.map((e) => e.id),
      database: subgraphConfig.databaseUrl ? 'mysql' : 'sqlite',
      // The bench stack's throw-away development secret, so the runner can call subgraphs directly.
      contextSecret: devKeys.contextSecret,
      claims: {
        requestId: 'bench',
        tenant: { id: tenant.id, slug: tenant.slug },
        principal: { id: 'bench-admin', kind: 'operator', roles: ['admin'], scopes: [] },
        clientIp: '127.0.0.1',
        accessPolicy: { mode: 'EVERYONE', cidrs: [] },
      },
    };
    process.send!(ready);
  } else {
    process.send!({ ready: true, subgraphUrls: urls });
  }
  process.once('disconnect', async () => {
    await closeBypassed?.();
    await twinEvents?.close();
    await Promise.all(servers.map((s) => s.close()));
    // The seeding process owns the database: it drops it after the others are gone.
    if (start.seed && subgraphConfig.databaseUrl) await Promise.all(Object.values(sources).map((s) => s.dropDatabase()));
    await Promise.all(Object.values(sources).map((s) => s.destroy()));
    await Promise.all(Object.values(keyrings).map((k) => k.keyStore?.destroy()));
    if (root) fs.rmSync(root, { recursive: true, force: true });
    process.exit(0);
  });
}

process.once('message', (message: { start?: ServerStart }) => {
  if (!message.start) return;
  main(message.start).catch((error: unknown) => {
    process.stderr.write(`bench server failed: ${(error as Error).stack}\n`);
    process.exit(1);
  });
});
