import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTracing } from '../../platform/telemetry/tracing';
import { patchJestRegistry } from './jest-instrumentation';

/**
 * Tracing as production starts it (same instrumentations and sanitizer), into memory. Import this
 * first in a test file: the instrumented modules must be patched before the servers load them.
 */
export const spans = new InMemorySpanExporter();
export const tracing = startTracing({ serviceName: 'cx-test', exporter: spans, simple: true });
patchJestRegistry(tracing.instrumentations);

/** Unpatches what this file patched (core modules outlive it in the jest worker) and stops the SDK. */
export async function stopTracing(): Promise<void> {
  for (const instrumentation of tracing.instrumentations) instrumentation.disable();
  await tracing.shutdown();
}
