import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { buildGateway } from '../helpers/gateway-process';
import { httpClient } from '../helpers/graphql';
import { seededStack, type SeededStack } from '../helpers/stack';
import { eventually } from '../helpers/eventually';

// The gateway built with tsc and run as deployed, so instrumentation happens through Node's own
// require hooks (no jest registry), exporting OTLP/HTTP JSON to a collector stand-in in this process.
interface OtlpSpan {
  traceId: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}

let world: SeededStack;
let build: Awaited<ReturnType<typeof buildGateway>>;
let collector: http.Server;
let collectorUrl: string;
const exported: { service: string; spans: OtlpSpan[] }[] = [];
const bodies: string[] = [];
const children: ChildProcess[] = [];

function startCollector(): Promise<void> {
  collector = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      bodies.push(body);
      if (req.url === '/v1/traces') {
        const payload = JSON.parse(body) as { resourceSpans: { resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: { spans: OtlpSpan[] }[] }[] };
        for (const resource of payload.resourceSpans) {
          const service = String(resource.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue);
          exported.push({ service, spans: resource.scopeSpans.flatMap((scope) => scope.spans) });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => collector.listen(0, '127.0.0.1', () => {
    collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    resolve();
  }));
}

/** Starts the built gateway; resolves with the log lines printed up to "gateway ready". */
function startGateway(env: Record<string, string>): Promise<{ lines: { msg?: string; url?: string }[] }> {
  const child = spawn(process.execPath, [build.entry], {
    cwd: path.resolve(__dirname, '../..'),
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      KEYS_DIR: world.env.gatewayConfig.keysDir,
      SUPERGRAPH_PATH: path.resolve(__dirname, '../../schema/supergraph.graphql'),
      ...Object.fromEntries(Object.entries(world.stack.subgraphUrls).map(([name, url]) => [`${name.toUpperCase()}_URL`, url])),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const lines = output.split('\n').flatMap((line) => {
        try {
          return [JSON.parse(line) as { msg?: string; url?: string }];
        } catch {
          return [];
        }
      });
      if (lines.some((line) => line.msg === 'gateway ready')) resolve({ lines });
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`gateway exited (${code}):\n${output.slice(-2000)}`)));
  });
}

beforeAll(async () => {
  build = await buildGateway();
  world = await seededStack({ endUsersPerTenant: 2 });
  await startCollector();
}, 180_000);
afterAll(async () => {
  await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : (child.once('exit', resolve), child.kill('SIGTERM'))))));
  await world?.close();
  await new Promise((resolve) => collector?.close(resolve));
  build?.cleanup();
});

describe('the gateway in a process of its own', () => {
  it('exports its spans over OTLP, continuing the client’s trace, and serves metrics on a port apart', async () => {
    const { lines } = await startGateway({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl,
      OTEL_BSP_SCHEDULE_DELAY: '20',
      METRICS_PORT: '0',
    });
    const gatewayUrl = lines.find((line) => line.msg === 'gateway ready')!.url!;
    const metricsUrl = lines.find((line) => line.msg === 'metrics endpoint ready')!.url!;
    expect(new URL(metricsUrl).hostname).toBe('127.0.0.1');
    expect(new URL(metricsUrl).port).not.toBe(new URL(gatewayUrl).port);

    const token = await world.env.token({ tenant: 'acme', roles: ['admin'], sub: 'acme-admin' });
    const traceId = randomBytes(16).toString('hex');
    const id = world.acme.endUserIds[0];
    const response = await httpClient(gatewayUrl, token, { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` }).send(
      'query Person($id: ID!) { endUser(id: $id) { email phone consents { edges { node { purpose } } } } }',
      { id },
    );
    expect(response.data.endUser.email).toContain('@');

    const ours = () => exported.filter((batch) => batch.service === 'cx-gateway').flatMap((batch) => batch.spans).filter((span) => span.traceId === traceId);
    // Batches leave every 20 ms: wait until the gateway's server span (the last to end) has arrived.
    await eventually(() => ours().some((span) => span.kind === 2), { what: "the gateway's server span", intervalMs: 20 });
    const names = ours().map((span) => span.name);
    expect(names).toEqual(expect.arrayContaining(['subgraph identity', 'subgraph consent', 'graphql.parse', 'graphql.validate']));
    const text = bodies.join('\n');
    for (const value of [id, response.data.endUser.email, response.data.endUser.phone, token]) expect(text).not.toContain(value);

    const scraped = await (await fetch(metricsUrl)).text();
    expect(scraped).toMatch(/cx_graphql_requests_total\{server="gateway",operation="Person",outcome="OK"\} 1/);
    expect(scraped).toMatch(/cx_subgraph_fetch_duration_seconds_count\{subgraph="identity",outcome="ok"\} [1-9]/);
    expect(scraped).toContain('process_cpu_user_seconds_total');
    expect((await fetch(new URL('/metrics', gatewayUrl))).status).toBe(404);
  });

  it('has neither traces nor a metrics endpoint unless configured', async () => {
    // Told where a collector is, but not to export: no OTEL_TRACES_EXPORTER, no METRICS_PORT.
    const { lines } = await startGateway({ OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl, OTEL_BSP_SCHEDULE_DELAY: '20' });
    expect(lines.some((line) => line.msg === 'metrics endpoint ready')).toBe(false);
    const quiet = lines.find((line) => line.msg === 'gateway ready')!.url!;
    const traced = (await startGateway({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: collectorUrl, OTEL_BSP_SCHEDULE_DELAY: '20' })).lines.find((line) => line.msg === 'gateway ready')!.url!;
    const token = await world.env.token({ tenant: 'acme', roles: ['admin'], sub: 'acme-admin' });
    const send = async (url: string) => {
      const traceId = randomBytes(16).toString('hex');
      const response = await httpClient(url, token, { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` }).send('{ tenant { slug } }');
      expect(response.data.tenant.slug).toBe('acme');
      return traceId;
    };
    const unseen = await send(quiet);
    const seen = await send(traced);
    const spansOf = (traceId: string) => exported.flatMap((batch) => batch.spans).filter((span) => span.traceId === traceId);
    // The traced gateway's spans arrive; by then the quiet one, asked first, has sent none.
    await eventually(() => spansOf(seen).some((span) => span.kind === 2), { what: "the traced gateway's server span", intervalMs: 20 });
    expect(spansOf(unseen)).toEqual([]);
  });
});
