import fs from 'node:fs';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import cors from 'cors';
import express from 'express';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { JWK } from 'jose';
import type { Logger } from 'pino';
import { loadDevKeys } from '../subgraphs/shared/auth/dev-keys';
import { addressAllowed } from '../subgraphs/shared/auth/rules';
import { ContextSigner, type RequestClaims } from '../subgraphs/shared/auth/signed-context';
import { createErrorFormatter, ipNotAllowed, unauthenticated } from '../subgraphs/shared/errors';
import { createLogger } from '../subgraphs/shared/logger';
import { AccessTokenVerifier, type TokenIdentity } from './auth/access-token';
import { canonicalAddress } from './auth/client-address';
import { TenantDirectory } from './auth/tenant-directory';
import type { GatewayConfig } from './config';
import { SignedContextDataSource, type GatewayContext } from './signed-data-source';

export interface GatewayServerOptions {
  logger?: Logger;
}

export interface GatewayDeps {
  tokens: AccessTokenVerifier;
  signer: ContextSigner;
  directory: TenantDirectory;
}

async function createDeps(config: GatewayConfig): Promise<GatewayDeps> {
  let contextKey: JWK;
  let tokens: AccessTokenVerifier;
  if (config.contextPrivateKey && config.jwksUrl) {
    contextKey = JSON.parse(config.contextPrivateKey) as JWK;
    tokens = AccessTokenVerifier.fromJwks(config.jwksUrl, config.tokenIssuer, config.tokenAudience);
  } else {
    const dev = await loadDevKeys(config.keysDir);
    contextKey = config.contextPrivateKey ? (JSON.parse(config.contextPrivateKey) as JWK) : dev.context.privateJwk;
    tokens = config.jwksUrl
      ? AccessTokenVerifier.fromJwks(config.jwksUrl, config.tokenIssuer, config.tokenAudience)
      : AccessTokenVerifier.fromPublicJwk(dev.accessToken.publicJwk, config.tokenIssuer, config.tokenAudience);
  }
  const signer = await ContextSigner.fromJwk(contextKey);
  return { tokens, signer, directory: new TenantDirectory(config.subgraphUrls.identity, signer, config.accessCacheTtlMs) };
}

function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match ? match[1] : null;
}

/** Authenticates the caller and admits or refuses the request before any planning happens. */
export function createContextBuilder({ tokens, directory }: GatewayDeps, logger: Logger) {
  const deny = (error: Error, details: Record<string, unknown>) => {
    logger.warn({ ...details, reason: error.message }, 'request denied');
    return error;
  };
  return async (req: express.Request): Promise<GatewayContext> => {
    const requestId = randomUUID();
    const clientIp = canonicalAddress(req.ip ?? req.socket.remoteAddress);
    const token = bearer(req.header('authorization'));
    const operation = (req.body as { operationName?: string } | undefined)?.operationName ?? null;
    if (!token) {
      return {
        claims: {
          requestId,
          tenant: null,
          principal: { id: 'anonymous', kind: 'anonymous', roles: [], scopes: [] },
          clientIp,
          accessPolicy: null,
        },
      };
    }
    let identity: TokenIdentity;
    try {
      identity = await tokens.verify(token);
    } catch (error) {
      throw deny(error as Error, { requestId, ip: clientIp, operation });
    }
    const principal = { id: identity.subject, kind: identity.kind, roles: identity.roles, scopes: identity.scopes };
    if (identity.kind === 'platform') {
      return { claims: { requestId, tenant: null, principal, clientIp, accessPolicy: null } };
    }
    const tenant = await directory.lookup(identity.tenantSlug!, requestId);
    const who = { requestId, ip: clientIp, operation, tenant: identity.tenantSlug, principal: identity.subject };
    if (!tenant || tenant.status !== 'ACTIVE') throw deny(unauthenticated('Unknown or disabled tenant'), who);
    if (!addressAllowed(clientIp, tenant.accessPolicy)) throw deny(ipNotAllowed(), who);
    const claims: RequestClaims = {
      requestId,
      tenant: { id: tenant.id, slug: tenant.slug },
      principal,
      clientIp,
      accessPolicy: tenant.accessPolicy,
    };
    return { claims };
  };
}

export class GatewayServer {
  constructor(
    readonly app: express.Express,
    readonly apollo: ApolloServer<GatewayContext>,
    readonly deps: GatewayDeps,
    private readonly server: http.Server,
  ) {}

  listen(port: number, host = '127.0.0.1'): Promise<{ url: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const address = this.server.address() as AddressInfo;
        resolve({ port: address.port, url: `http://${host}:${address.port}/graphql` });
      });
    });
  }

  async close(): Promise<void> {
    await this.apollo.stop();
    if (this.server.listening) await new Promise((resolve) => this.server.close(resolve));
  }
}

/** Builds the gateway over the checked-in supergraph without listening. */
export async function createGatewayServer(
  config: GatewayConfig,
  options: GatewayServerOptions = {},
): Promise<GatewayServer> {
  const logger = options.logger ?? createLogger('gateway', config.logLevel);
  const deps = await createDeps(config);
  const gateway = new ApolloGateway({
    supergraphSdl: fs.readFileSync(config.supergraphPath, 'utf8'),
    buildService: ({ name, url }) =>
      new SignedContextDataSource(name, config.subgraphUrls[name as keyof GatewayConfig['subgraphUrls']] ?? url!, deps.signer),
    logger,
  });

  const app = express();
  app.disable('x-powered-by');
  // Only the proxies named in TRUST_PROXY may set the client address through X-Forwarded-For.
  app.set('trust proxy', config.trustProxy.length > 0 ? config.trustProxy : false);
  const httpServer = http.createServer(app);
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: !config.production,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: config.production,
    formatError: createErrorFormatter(logger),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      config.production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
    ],
  });
  await apollo.start();

  const buildContext = createContextBuilder(deps, logger);
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(
    '/graphql',
    cors({ origin: config.corsOrigins, methods: ['GET', 'POST'], maxAge: 600 }),
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, { context: ({ req }) => buildContext(req) }),
  );
  return new GatewayServer(app, apollo, deps, httpServer);
}
