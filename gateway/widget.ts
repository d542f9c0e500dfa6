import { createHash } from 'node:crypto';
import type express from 'express';
import { Kind, type OperationDefinitionNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from 'pino';
import { DomainError, forbidden, refusesRequest, unauthenticated } from '../platform/errors';
import { requestIdOf } from '../platform/access-log';
import { canonicalAddress } from '../platform/addresses';
import type { GatewayDeps } from './deps';
import type { GatewayContext } from './signed-data-source';

export const WIDGET_PATH = '/widget/graphql';
/** The one operation a widget key may run. */
const WIDGET_FIELDS = new Set(['recordCookieConsent', '__typename']);

/** `Authorization: Widget <key>` or `X-Widget-Key: <key>`. */
function widgetKeyOf(req: express.Request): string | null {
  const header = /^Widget\s+(\S+)$/i.exec(req.header('authorization') ?? '')?.[1] ?? req.header('x-widget-key') ?? null;
  return header && header.length <= 64 ? header : null;
}

/** Names the key in logs and budgets without writing the key itself. */
const keyIdOf = (key: string) => `wk_${createHash('sha256').update(key).digest('base64url').slice(0, 16)}`;

/**
 * Admits a chat-widget request: a known key of an active tenant, used from one of the tenant's
 * allowed origins. The tenant's IP allowlist does not apply (end-users' browsers are anywhere);
 * the widget has its own small rate limits instead, and may only record cookie consent.
 */
export function createWidgetContextBuilder({ directory, limits }: GatewayDeps, logger: Logger) {
  const deny = (error: DomainError, details: Record<string, unknown>) => {
    logger.warn({ ...details, reason: error.message, code: error.code }, 'widget request denied');
    return refusesRequest(error);
  };
  return async (req: express.Request): Promise<GatewayContext> => {
    const requestId = requestIdOf(req);
    const clientIp = canonicalAddress(req.ip ?? req.socket.remoteAddress);
    const key = widgetKeyOf(req);
    if (!key) throw deny(unauthenticated('A widget key is required'), { requestId, ip: clientIp });
    const keyId = keyIdOf(key);
    const who = { requestId, ip: clientIp, principal: `widget:${keyId}` };
    await limits.takeWidgetRequest(keyId, clientIp).catch((error: unknown) => {
      throw error instanceof DomainError ? deny(error, who) : error;
    });
    const access = await directory.widget(key, requestId);
    if (!access || access.tenant.status !== 'ACTIVE') throw deny(unauthenticated('Unknown widget key'), who);
    const origin = req.header('origin');
    if (!origin || !access.origins.includes(origin)) {
      throw deny(forbidden('This page’s origin may not use the widget key'), { ...who, tenant: access.tenant.slug, origin: origin?.slice(0, 200) ?? null });
    }
    return {
      claims: {
        requestId,
        tenant: { id: access.tenant.id, slug: access.tenant.slug },
        principal: { id: keyId, kind: 'widget', roles: [], scopes: [] },
        clientIp,
        accessPolicy: null,
      },
    };
  };
}

/** At the gateway too (subgraphs enforce it regardless): a widget runs recordCookieConsent and nothing else. */
export function widgetOperations(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (contextValue.claims.principal.kind !== 'widget') return;
          if (!onlyCookieConsent(operation)) throw refusesRequest(forbidden('A widget key may only record cookie consent'));
        },
      };
    },
  };
}

function onlyCookieConsent(operation: OperationDefinitionNode | undefined | null): boolean {
  if (!operation || operation.operation !== 'mutation') return false;
  return operation.selectionSet.selections.every((selection) => selection.kind === Kind.FIELD && WIDGET_FIELDS.has(selection.name.value));
}
