import pino, { type DestinationStream, type Logger } from 'pino';

/** Structured logs; credentials and signed contexts are redacted wherever they appear. */
export function createLogger(name: string, level: string, destination?: DestinationStream): Logger {
  const options = {
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
        '*.client_secret',
        '*.token',
        '*.access_token',
        // CRM connection credentials, should an input ever reach a log line.
        '*.credentials',
        '*.*.credentials',
        '*.accessToken',
        '*.apiToken',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
