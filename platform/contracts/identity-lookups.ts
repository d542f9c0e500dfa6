import type { AccessPolicyClaims } from './signed-context';

// The gateway's questions to identity outside the public graph (REST under /internal, each call
// with the gateway's own service context signed for its path and body). Both ends use these
// types: the gateway to ask (gateway/auth/principal-directory.ts), identity to answer
// (subgraphs/identity/resolvers/internal.routes.ts).

/** Where identity serves the lookups, beside its /graphql endpoint. */
export const IDENTITY_LOOKUPS_PREFIX = '/internal';

export const PRINCIPAL_PATH = '/principal';
export const CLIENT_CREDENTIALS_PATH = '/client-credentials';
export const WIDGET_KEY_PATH = '/widget-key';

export interface TenantRecord {
  id: string;
  slug: string;
  status: 'ACTIVE' | 'DISABLED';
  accessPolicy: AccessPolicyClaims;
}

export type PrincipalState =
  | { status: 'ACTIVE'; roles: string[]; scopes: string[] }
  | { status: 'REVOKED' }
  | { status: 'UNREGISTERED' };

export interface PrincipalAccess {
  tenant: TenantRecord | null;
  principal: PrincipalState;
}

/** A chat-widget key's tenant and the origins allowed to use it; null for an unknown key. */
export type WidgetAccess = { tenant: TenantRecord; origins: string[] } | null;

/** An API client whose credentials matched, for the token endpoint; null for any failure. */
export type VerifiedClient = { tenantSlug: string; clientId: string; scopes: string[] } | null;

/** Identity names the store it bumps access versions in: a gateway reading another store must not cache. */
export interface Announced {
  channel?: string;
}

/** Each lookup's path, request body and answer. */
export interface IdentityLookups {
  [PRINCIPAL_PATH]: { request: { tenant: string; kind: string; subject: string }; answer: PrincipalAccess & Announced };
  [CLIENT_CREDENTIALS_PATH]: { request: { clientId: string; clientSecret: string }; answer: { client: VerifiedClient } };
  [WIDGET_KEY_PATH]: { request: { key: string }; answer: { widget: WidgetAccess } & Announced };
}
export type IdentityLookupPath = keyof IdentityLookups;
