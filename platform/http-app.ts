import express from 'express';

/**
 * An Express app as every server of the platform (and the bench's twins) starts one: no
 * `X-Powered-By`, and no ETag — answers to POSTed operations are never revalidated, and hashing
 * each body cost CPU on every request (it also turned short bodies into buffers written apart
 * from their headers).
 */
export function expressApp(): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  return app;
}
