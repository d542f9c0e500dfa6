import pino, { type Logger } from 'pino';

/** Structured logs; credentials and signed contexts are redacted wherever they appear. */
export function createLogger(name: string, level: string): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-cx-context"]',
        'headers.authorization',
        'headers["x-cx-context"]',
        '*.password',
        '*.secret',
        '*.clientSecret',
        '*.token',
      ],
      censor: '[redacted]',
    },
  });
}
