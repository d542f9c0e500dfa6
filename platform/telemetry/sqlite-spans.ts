import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

interface QueryRunnerPrototype {
  query(this: { driver?: { options?: { database?: unknown } } }, query: string, ...rest: unknown[]): Promise<unknown>;
}

const WRAPPED = Symbol.for('cx.telemetry.sqlite-spans');

/**
 * better-sqlite3 has no OpenTelemetry instrumentation: TypeORM's query runner for it is wrapped
 * instead, one CLIENT span per statement. The statement is recorded as TypeORM sends it, with
 * placeholders; the parameters never are.
 */
export function traceSqliteQueries(): void {
  let proto: QueryRunnerPrototype & { [WRAPPED]?: true };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    proto = require('typeorm/driver/better-sqlite3/BetterSqlite3QueryRunner.js').BetterSqlite3QueryRunner.prototype;
  } catch {
    return;
  }
  if (proto[WRAPPED]) return;
  const tracer = trace.getTracer('cx-sqlite');
  const original = proto.query;
  proto.query = function query(this: ThisParameterType<QueryRunnerPrototype['query']>, statement: string, ...rest: unknown[]) {
    const operation = /^\s*(\w+)/.exec(statement)?.[1]?.toUpperCase() ?? 'SQL';
    return tracer.startActiveSpan(
      operation,
      { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'sqlite', 'db.operation.name': operation, 'db.query.text': statement } },
      async (span) => {
        try {
          return await original.call(this, statement, ...rest);
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.setAttribute('error.type', (error as Error)?.name ?? 'Error');
          throw error;
        } finally {
          span.end();
        }
      },
    );
  };
  proto[WRAPPED] = true;
}
