import { bool, int, port, problem, readConfig, type Env } from '../env';

// Telemetry (traces and metrics): every process, the gateway included.
export interface TelemetryConfig {
  /** Where spans go: OTEL_TRACES_EXPORTER=otlp (or console); unset or `none` means no tracing. */
  traces: 'otlp' | 'console' | null;
  /** OTEL_SERVICE_NAME, or null to name the service after the process (cx-gateway, cx-identity, …, cx-stack). */
  serviceName: string | null;
  /** The Prometheus endpoint's port (METRICS_PORT; 0: any free port); null: no endpoint. */
  metricsPort: number | null;
  metricsHost: string;
  /** METRICS_TENANT_LABELS=on adds the tenant slug to request metrics (mind the cardinality). */
  metricsTenantLabels: boolean;
  /** Distinct operation names kept as label values; later ones count as `other`. */
  metricsMaxOperations: number;
}

export function loadTelemetryConfig(env: Env = process.env): TelemetryConfig {
  return readConfig(() => {
    const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim().toLowerCase()).filter((name) => name && name !== 'none');
    if (exporters.some((name) => name !== 'otlp' && name !== 'console')) problem('OTEL_TRACES_EXPORTER must be otlp, console or none');
    const disabled = bool(env, 'OTEL_SDK_DISABLED', false);
    return {
      traces: disabled || exporters.length === 0 ? null : exporters.includes('otlp') ? 'otlp' : 'console',
      serviceName: env.OTEL_SERVICE_NAME || null,
      metricsPort: env.METRICS_PORT === undefined || env.METRICS_PORT === '' || env.METRICS_PORT === 'off' ? null : port(env, 'METRICS_PORT', 0),
      metricsHost: env.METRICS_HOST || '127.0.0.1',
      metricsTenantLabels: bool(env, 'METRICS_TENANT_LABELS', false),
      metricsMaxOperations: int(env, 'METRICS_MAX_OPERATIONS', 100, 1, 1_000),
    };
  });
}
