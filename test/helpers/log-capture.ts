import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger } from '../../platform/logger';

/** Loggers that keep every line in memory, to assert what was (and was not) logged. */
export function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return {
    lines,
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    logger: (name: string): Logger => createLogger(name, 'info', stream),
  };
}
