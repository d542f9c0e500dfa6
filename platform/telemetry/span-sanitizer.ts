import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * Span attributes that may leave the process. Everything else is dropped, so a new instrumentation
 * or a new semantic convention cannot start exporting request data (query strings, headers, client
 * addresses, GraphQL sources and variables, SQL values) by default.
 */
const ALLOWED = new Set([
  'http.method',
  'http.request.method',
  'http.request.method_original',
  'http.status_code',
  'http.response.status_code',
  'http.route',
  'http.scheme',
  'http.flavor',
  'url.scheme',
  'network.protocol.name',
  'network.protocol.version',
  'server.address',
  'server.port',
  'net.host.name',
  'net.host.port',
  'error.type',
  'express.name',
  'express.type',
  'graphql.operation.name',
  'graphql.operation.type',
  'graphql.field.name',
  'graphql.field.path',
  'graphql.field.type',
  'db.system',
  'db.system.name',
  'db.name',
  'db.namespace',
  'db.operation',
  'db.operation.name',
  'db.statement',
  'db.query.text',
  'cx.subgraph',
]);
/** Only our own routes (`/graphql`, `/internal/...`) on server spans: a client span's path can name a CRM record. */
const SERVER_ONLY = new Set(['url.path', 'http.target']);
/** Where a client span went (a subgraph, a CRM host); on a server span these would be the caller. */
const CLIENT_ONLY = new Set(['net.peer.name', 'net.peer.port']);
const MAX_STATEMENT = 2_000;

function sanitizeAttributes(attributes: Attributes, kind: SpanKind): Attributes {
  const kept: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    if (ALLOWED.has(key)) kept[key] = clip(key, value);
    else if (kind === SpanKind.CLIENT && CLIENT_ONLY.has(key)) kept[key] = value;
    else if (kind === SpanKind.SERVER && SERVER_ONLY.has(key) && typeof value === 'string') kept[key] = value.split('?')[0];
  }
  return kept;
}

function clip(key: string, value: AttributeValue): AttributeValue {
  if ((key === 'db.statement' || key === 'db.query.text') && typeof value === 'string' && value.length > MAX_STATEMENT) {
    return `${value.slice(0, MAX_STATEMENT)}…`;
  }
  return value;
}

/** A span as exported: allowed attributes only, exceptions by type only, no status message. */
export function sanitizeSpan(span: ReadableSpan): ReadableSpan {
  const events = span.events
    .filter((event) => event.name === 'exception')
    .map((event) => ({
      ...event,
      // An exception's message and stack can quote a value (a duplicate key, a bad input): its type only.
      attributes: typeof event.attributes?.['exception.type'] === 'string' ? { 'exception.type': event.attributes['exception.type'] } : {},
    }));
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status: { code: span.status.code },
    attributes: sanitizeAttributes(span.attributes, span.kind),
    links: span.links.map((link) => ({ context: link.context, attributes: {} })),
    events,
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

/** Wraps the configured exporter: what it receives has been through `sanitizeSpan`. */
export class SanitizingSpanExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: Parameters<SpanExporter['export']>[1]): void {
    this.inner.export(spans.map(sanitizeSpan), resultCallback);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
