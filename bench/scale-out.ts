import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { signDevToken } from '../gateway/auth/dev-issuer';
import { loadGatewayConfig } from '../gateway/config';
import { startStack } from '../scripts/stack';
import { freePorts, haproxy, spawnService, type LoadBalancer, type ServiceProcess } from '../scripts/topology';
import { EndUser } from '../subgraphs/identity/entities/end-user.entity';
import { Tenant } from '../subgraphs/identity/entities/tenant.entity';
import { loadDevKeys } from '../platform/dev-keys';
import { loadSubgraphConfig, SUBGRAPH_NAMES } from '../subgraphs/kit/config';
import { loadBenchConfig } from './config';

/**
 * Scale-out: throughput through HAProxy with one instance of every service against two, on one
 * MariaDB and one Redis. Rounds interleave the two (alternating which goes first), so a slow spell
 * of the machine hits both alike; each round's ratio is reported, with the median and the spread,
 * and the load average around each measurement (on a machine shared with other work, read the
 * ratios with it). `npm run build && DATABASE_URL=mysql://… REDIS_URL=redis://… node dist/bench/scale-out.js`
 */
const SINGLE = 'query Single($id: ID!) { endUser(id: $id) { id firstName lastName email phone } }';
const FEDERATED = `query Federated($id: ID!) {
  endUser(id: $id) { id firstName email interactions(first: 5) { edges { node { id channel } } } consents(first: 5) { edges { node { purpose granted } } } }
}`;
const SERVICES = [...SUBGRAPH_NAMES, 'gateway'] as const;

async function main(): Promise<void> {
  const bench = loadBenchConfig();
  const redisUrl = bench.redisUrl;
  if (!bench.databaseUrl || !redisUrl) throw new Error('the scale-out bench needs DATABASE_URL (MariaDB/MySQL) and REDIS_URL');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cx-bench-scale-'));
  const env: Record<string, string> = {
    NODE_ENV: 'development', DATA_DIR: path.join(root, 'data'), KEYS_DIR: path.join(root, 'keys'), SEED: 'false',
    DATABASE_URL: bench.databaseUrl.replace(/\/[^/]*$/, '') + `/benchso${process.pid}`,
    REDIS_URL: redisUrl, REDIS_PREFIX: `cxbench${process.pid}:`,
    RATE_LIMIT_REQUESTS: '1000000000', RATE_LIMIT_COST: '1000000000000', PRIVACY_RETRY_INTERVAL_MS: '0',
  };
  // Migrated and seeded by an in-process stack, closed before the instances start.
  const subgraphConfig = loadSubgraphConfig({ ...env, LOG_LEVEL: 'silent' });
  const gatewayConfig = loadGatewayConfig({ ...env, LOG_LEVEL: 'silent' });
  const seeding = await startStack({ subgraphConfig, gatewayConfig, freePorts: true, seed: true, seedEndUsers: bench.endUsersPerTenant });
  const identity = seeding.subgraphs.identity.dataSource;
  const tenant = await identity.getRepository(Tenant).findOneByOrFail({ slug: 'acme' });
  const endUserIds = (await identity.getRepository(EndUser).find({ where: { tenantId: tenant.id }, order: { id: 'ASC' } })).map((e) => e.id);
  await seeding.close();
  const keys = await loadDevKeys(subgraphConfig.keysDir);
  const token = await signDevToken(keys.accessToken.privateJwk, { issuer: gatewayConfig.tokenIssuer, audience: gatewayConfig.tokenAudience, subject: 'bench-admin', tenant: 'acme', roles: ['admin'] });

  const dist = path.resolve(__dirname, '..');
  const entry = (name: string) => path.join(dist, name === 'gateway' ? 'gateway/index.js' : `subgraphs/${name}/index.js`);
  // Instance n of every subgraph and gateway form slice n (the gateway and the service links reach
  // that slice's subgraphs through HAProxy); "one" balances over slice 1's gateway alone, "two"
  // over both slices' gateways. The same HAProxy carries both, so only the instance count differs.
  const backends: Record<string, number[]> = {};
  const ports: Record<string, number> = {};
  const fronts = [...SUBGRAPH_NAMES.flatMap((n) => [`${n}-1`, `${n}-2`]), 'gateway-one', 'gateway-two'];
  // Front ends and instances chosen at once, so no port is handed out twice.
  const free = await freePorts(fronts.length + SERVICES.length * 2);
  fronts.forEach((name, k) => (ports[name] = free[k]));
  const own = (name: string, slice: number) => free[fronts.length + SERVICES.indexOf(name as (typeof SERVICES)[number]) * 2 + slice - 1];
  const children: ServiceProcess[] = [];
  let lb: LoadBalancer | undefined;
  try {
    const gateways: number[] = [];
    for (const slice of [1, 2]) {
      const links = Object.fromEntries(SUBGRAPH_NAMES.map((name) => [`${name.toUpperCase()}_URL`, `http://127.0.0.1:${ports[`${name}-${slice}`]}/graphql`]));
      for (const name of SERVICES) {
        const listen = { [name === 'gateway' ? 'PORT' : `${name.toUpperCase()}_PORT`]: String(own(name, slice)) };
        const child = await spawnService(`${name}${slice}`, entry(name), { ...env, ...links, ...listen, LOG_LEVEL: 'info', SUPERGRAPH_PATH: path.resolve(dist, '..', 'schema/supergraph.graphql') });
        children.push(child);
        if (name === 'gateway') gateways.push(child.port);
        else backends[`${name}-${slice}`] = [child.port];
      }
    }
    backends['gateway-one'] = [gateways[0]];
    backends['gateway-two'] = gateways;
    lb = await haproxy(backends, ports);
    const url = (set: 'one' | 'two') => `http://127.0.0.1:${ports[`gateway-${set}`]}/graphql`;

    const measure = async (set: 'one' | 'two', query: string, seconds: number) => {
      // No figure is measured on errors: each gateway must answer the operation cleanly first.
      for (let k = 0; k < 4; k++) {
        const response = await fetch(url(set), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables: { id: endUserIds[k] } }) });
        const body = (await response.json()) as { errors?: unknown; data?: unknown };
        if (!response.ok || body.errors || !body.data) {
          throw new Error(`${set}: ${response.status} ${JSON.stringify(body).slice(0, 300)}\n${children.flatMap((c) => c.recentErrors.map((line) => `[${c.name}] ${line}`)).slice(-10).join('\n')}`);
        }
      }
      let i = 0;
      const result = await autocannon({
        url: url(set),
        method: 'POST',
        connections: bench.connections,
        duration: seconds,
        requests: [{ setupRequest: (request) => ({ ...request, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables: { id: endUserIds[i++ % endUserIds.length] } }) }) }],
      });
      return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.non2xx + result.timeouts };
    };
    const lines: string[] = [];
    const load = () => os.loadavg().map((v) => v.toFixed(2)).join(' ');
    for (const [name, query] of [['single-subgraph lookup', SINGLE], ['federated end-user', FEDERATED]] as const) {
      await measure('one', query, 2);
      await measure('two', query, 2);
      const ratios: number[] = [];
      for (let round = 1; round <= bench.rounds; round++) {
        const order: ('one' | 'two')[] = round % 2 ? ['one', 'two'] : ['two', 'one'];
        const results = {} as Record<'one' | 'two', { rps: number; p99: number; errors: number }>;
        const before = load();
        for (const set of order) results[set] = await measure(set, query, bench.durationSeconds);
        ratios.push(results.two.rps / results.one.rps);
        const line = `${name}, round ${round}: one instance ${results.one.rps.toFixed(0)} req/s (p99 ${results.one.p99} ms), two ${results.two.rps.toFixed(0)} req/s (p99 ${results.two.p99} ms), ratio ${ratios.at(-1)!.toFixed(2)}; errors ${results.one.errors + results.two.errors}; load average ${before} → ${load()}`;
        process.stderr.write(`${line}\n`);
        lines.push(`- ${line}`);
        if (results.one.errors + results.two.errors > 0) process.exitCode = 1;
      }
      const sorted = [...ratios].sort((a, b) => a - b);
      lines.push(`- **${name}: two instances / one = ${sorted[Math.floor(sorted.length / 2)].toFixed(2)}** (median of ${ratios.length} rounds, spread ${sorted[0].toFixed(2)}–${sorted.at(-1)!.toFixed(2)})`);
    }
    process.stdout.write(
      [
        `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, MariaDB/MySQL and Redis shared; ` +
          `${bench.connections} connections through HAProxy (slice n: instance n of the gateway and of every subgraph), ${bench.durationSeconds} s per measurement, ${bench.rounds} interleaved rounds.`,
        ...lines,
      ].join('\n') + '\n',
    );
  } finally {
    await lb?.close();
    await Promise.all(children.map((child) => child.close()));
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
