import type { AccessEvents } from '../platform/access-events';
import type { ContextSigner } from '../platform/contracts/signed-context';
import type { AccessTokenVerifier, ClientTokenIssuer } from './auth/access-token';
import type { PrincipalDirectory } from './auth/principal-directory';
import type { RateLimits } from './limits';

/** What the gateway's doors (GraphQL, OAuth token, widget, live subscriptions) share; built once by server.ts. */
export interface GatewayDeps {
  tokens: AccessTokenVerifier;
  clientTokens: ClientTokenIssuer;
  signer: ContextSigner;
  directory: PrincipalDirectory;
  events: AccessEvents;
  limits: RateLimits;
}
