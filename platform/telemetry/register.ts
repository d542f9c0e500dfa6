/**
 * Process telemetry, imported first by every entry point (gateway/index.ts, subgraphs/<name>/index.ts,
 * scripts/start.ts) so that the instrumented modules (http, express, graphql, mysql2) are patched
 * as they load. Tracing is off unless OTEL_TRACES_EXPORTER says where spans go; the metrics
 * endpoint is off unless METRICS_PORT is set.
 */
import { loadTelemetryConfig } from './config';
import type { Tracing } from './tracing';

const config = loadTelemetryConfig();

/** cx-gateway, cx-identity, …, cx-stack (`npm start`), after the entry point that was run. */
function processName(entry = ''): string {
  const match = /(?:^|[\\/])(gateway|subgraphs[\\/](\w+)|scripts)[\\/]\w+\.[jt]s$/.exec(entry);
  if (!match) return 'cx';
  return `cx-${match[2] ?? (match[1] === 'scripts' ? 'stack' : match[1])}`;
}

// The SDK is required only when tracing is on: it is thousands of modules a process without
// traces never needs.
const tracing: Tracing | undefined = config.traces
  ? // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('./tracing') as typeof import('./tracing')).startTracing({ serviceName: config.serviceName ?? processName(process.argv[1]), exporter: config.traces })
  : undefined;

// Loaded after tracing started: metrics.ts imports modules the instrumentations patch.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { configureMetrics } = require('./metrics') as typeof import('./metrics');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startMetricsServer } = require('./metrics-server') as typeof import('./metrics-server');
configureMetrics(config);

export const metricsServer =
  config.metricsPort === null
    ? undefined
    : startMetricsServer(config.metricsHost, config.metricsPort).then(
        (server) => {
          process.stdout.write(`${JSON.stringify({ level: 30, time: Date.now(), msg: 'metrics endpoint ready', url: server.url })}\n`);
          return server;
        },
        (error: Error) => {
          process.stderr.write(`metrics endpoint could not listen on ${config.metricsHost}:${config.metricsPort}: ${error.message}\n`);
          process.exit(1);
        },
      );

/** Sends the spans still buffered; for the shutdown sequence (signals are owned by the entry points). */
export async function shutdownTelemetry(): Promise<void> {
  await Promise.all([tracing?.shutdown(), metricsServer?.then((server) => server.close())]);
}
