/**
 * What runtime code needs of tracing: propagating the active trace context and opening a span.
 * It depends on @opentelemetry/api only, which is a no-op until tracing.ts starts the SDK, so a
 * process (or test file) that never traces never loads the SDK, its exporters or instrumentations.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';

/** Writes the active trace context into outgoing headers (any fetcher, instrumented or not). */
export function injectTraceContext(headers: { set(name: string, value: string): void } | undefined): void {
  if (!headers) return;
  propagation.inject(context.active(), headers, { set: (carrier, key, value) => carrier.set(key, value) });
}

/** Runs `work` in a span of its own (a no-op span when tracing is off). */
export function inSpan<T>(name: string, attributes: Record<string, string>, work: (span: Span) => Promise<T>): Promise<T> {
  return trace.getTracer('cx').startActiveSpan(name, { kind: SpanKind.INTERNAL, attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}
