/**
 * The OpenTelemetry SDK, its exporters and instrumentations: loaded only by whoever starts tracing
 * (register.ts when OTEL_TRACES_EXPORTER is set, the tracing tests). Runtime code uses
 * trace-context.ts, which needs the API alone.
 */
import type { IncomingMessage } from 'node:http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { core, NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { SanitizingSpanExporter } from './span-sanitizer';
import { traceSqliteQueries } from './sqlite-spans';

export interface TracingOptions {
  serviceName: string;
  /** `otlp` (OTEL_EXPORTER_OTLP_* say where), `console`, or an exporter of the caller's (tests). */
  exporter: 'otlp' | 'console' | SpanExporter;
  /** Export each span as it ends instead of in batches (tests). */
  simple?: boolean;
}

export interface Tracing {
  instrumentations: Instrumentation[];
  shutdown(): Promise<void>;
}

/** Health checks and scrapes are not worth a trace each. */
const quietPath = (request: IncomingMessage) => /^\/(health|metrics)(\/|\?|$)/.test(request.url ?? '');

const hasTraceParent = (headers: string | (string | string[])[]) =>
  typeof headers === 'string' ? /(^|\r\n)traceparent:/i.test(headers) : headers.some((entry, i) => i % 2 === 0 && String(entry).toLowerCase() === 'traceparent');

/** The instrumentations, configured so that no value from a request ends up in a span. */
export function instrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: quietPath,
      // No headers as attributes (none are named), and the sanitizer drops query strings and addresses.
      headersToSpanAttributes: {},
    }),
    new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
    new GraphQLInstrumentation({
      // Literal arguments in the document are replaced by `*`; variables are never read.
      allowValues: false,
      // Root fields and their children: enough to see which subgraph work took the time.
      depth: 2,
      mergeItems: true,
      ignoreTrivialResolveSpans: true,
    }),
    // Statements as written, with placeholders: values are never formatted into them.
    new MySQL2Instrumentation({ maskStatement: true }),
    new UndiciInstrumentation({
      // The gateway's subgraph fetches already carry the trace context they were given; a second
      // traceparent header would break the subgraph's parsing of it.
      ignoreRequestHook: (request) => hasTraceParent(request.headers),
    }),
  ];
}

/** Starts the OpenTelemetry SDK; call before the modules it instruments are loaded. */
export function startTracing(options: TracingOptions): Tracing {
  const exporter =
    options.exporter === 'otlp' ? new OTLPTraceExporter() : options.exporter === 'console' ? new ConsoleSpanExporter() : options.exporter;
  const sanitized = new SanitizingSpanExporter(exporter);
  const list = instrumentations();
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    spanProcessors: [options.simple ? new SimpleSpanProcessor(sanitized) : new BatchSpanProcessor(sanitized)],
    instrumentations: list,
    // W3C trace context only: a client's baggage is not passed on to subgraphs or CRMs.
    textMapPropagator: new core.W3CTraceContextPropagator(),
    // Traces only; metrics are Prometheus's (metrics.ts) and logs are pino's.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  traceSqliteQueries();
  return { instrumentations: list, shutdown: () => sdk.shutdown() };
}
