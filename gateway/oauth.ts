import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { DomainError } from '../platform/errors';
import { requestIdOf } from '../platform/access-log';
import { addressAllowed, canonicalAddress } from '../platform/addresses';
import type { GatewayDeps } from './deps';

function credentials(req: Request): { clientId?: string; clientSecret?: string } {
  const basic = /^Basic\s+(\S+)$/i.exec(req.header('authorization') ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      return { clientId: decodeURIComponent(decoded.slice(0, colon)), clientSecret: decodeURIComponent(decoded.slice(colon + 1)) };
    }
  }
  const body = (req.body ?? {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return { clientId: text(body.client_id), clientSecret: text(body.client_secret) };
}

/**
 * OAuth 2.0 client-credentials grant (RFC 6749 §4.4): an API client trades its id and secret for
 * a short-lived access token. The tenant's IP allowlist applies here too.
 */
export function oauthTokenRoute({ directory, clientTokens, limits }: GatewayDeps, logger: Logger): RequestHandler {
  return async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const requestId = requestIdOf(req);
    const ip = canonicalAddress(req.ip ?? req.socket.remoteAddress);
    try {
      // Credential guessing is slowed per address, before any secret is checked.
      await limits.takeRequest(`token:${ip}`);
    } catch (error) {
      if (!(error instanceof DomainError)) {
        logger.error({ err: error, requestId }, 'rate limit store unavailable');
        res.status(503).json({ error: 'temporarily_unavailable' });
        return;
      }
      res.set('Retry-After', String(error.extensions.retryAfter)).status(429).json({ error: 'slow_down' });
      return;
    }
    const grantType = (req.body as Record<string, unknown> | undefined)?.grant_type;
    if (grantType !== 'client_credentials') {
      res.status(400).json({ error: 'unsupported_grant_type' });
      return;
    }
    const { clientId, clientSecret } = credentials(req);
    if (!clientId || !clientSecret) {
      res.status(400).json({ error: 'invalid_request', error_description: 'client_id and client_secret are required' });
      return;
    }
    try {
      const client = await directory.verifyClient(clientId, clientSecret, requestId);
      const access = client && (await directory.lookup(client.tenantSlug, 'api_client', client.clientId, requestId));
      if (!client || !access?.tenant || access.principal.status !== 'ACTIVE') {
        logger.warn({ requestId, ip, clientId, reason: 'invalid client credentials' }, 'request denied');
        res.status(401).json({ error: 'invalid_client' });
        return;
      }
      if (!addressAllowed(ip, access.tenant.accessPolicy)) {
        logger.warn({ requestId, ip, clientId, tenant: client.tenantSlug, reason: 'address not allowed' }, 'request denied');
        res.status(403).json({ error: 'access_denied', error_description: 'Requests from this address are not allowed' });
        return;
      }
      res.json({
        access_token: await clientTokens.issue(client),
        token_type: 'Bearer',
        expires_in: clientTokens.ttlSeconds,
        scope: client.scopes.join(' '),
      });
    } catch (error) {
      logger.error({ err: error, requestId }, 'token exchange failed');
      res.status(503).json({ error: 'temporarily_unavailable' });
    }
  };
}
