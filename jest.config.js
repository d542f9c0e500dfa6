const os = require('node:os');

// @apollo/gateway reports usage to Apollo unless told not to: every gateway a test starts would run
// ten cloud resource detectors (metadata requests included) and a periodic OTLP export. Workers
// and the servers tests spawn inherit it.
process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';

/** @type {import('jest').Config} */
module.exports = {
  // Jest's default (cores - 1) is one worker on two cores. The end-to-end files wait on sockets,
  // child processes and timers as much as they compute, so a worker per core, and never fewer than two.
  maxWorkers: Math.max(2, os.availableParallelism()),
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  setupFiles: ['reflect-metadata'],
  // The migration check needs MySQL/MariaDB (DATABASE_URL); the cross-instance check needs Redis (REDIS_URL).
  testPathIgnorePatterns: [
    '/node_modules/',
    ...(process.env.DATABASE_URL ? [] : ['/test/mysql/']),
    ...(process.env.REDIS_URL ? [] : ['/test/redis/']),
    // The production topology needs both (one process per service, as deployed).
    ...(process.env.DATABASE_URL && process.env.REDIS_URL ? [] : ['/test/production/']),
    // Scale-out: two instances of every service behind HAProxy, sharing MariaDB and Redis.
    ...(process.env.DATABASE_URL && process.env.REDIS_URL ? [] : ['/test/scale-out/']),
  ],
  testTimeout: 30000,
};
