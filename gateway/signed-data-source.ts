import { randomUUID } from 'node:crypto';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { FetcherResponse as FetchResponse } from '@apollo/utils.fetcher';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { CONTEXT_HEADER, requestDigest, serviceClaims, type ContextSigner, type RequestClaims } from '../subgraphs/shared/auth/signed-context';

export interface GatewayContext {
  claims: RequestClaims;
}

/**
 * Signs a fresh context for every subgraph fetch: audience is the subgraph, the digest binds it to
 * the exact query and variables, and it expires in seconds.
 */
export class SignedContextDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    readonly name: string,
    url: string,
    private readonly signer: ContextSigner,
  ) {
    super({ url });
  }

  /**
   * A subgraph's 4xx with GraphQL errors is the client's mistake (a value its scalar refused, say):
   * relay its code and message instead of Apollo's generic `400: Bad Request`, masked as a server error.
   */
  override async errorFromResponse(response: FetchResponse): Promise<GraphQLError> {
    const fallback = await super.errorFromResponse(response);
    const body = (fallback.extensions.response as { body?: unknown } | undefined)?.body as { errors?: GraphQLFormattedError[] } | undefined;
    const first = Array.isArray(body?.errors) ? body.errors[0] : undefined;
    const code = first?.extensions?.code;
    if (response.status < 400 || response.status >= 500 || typeof first?.message !== 'string' || typeof code !== 'string') return fallback;
    // The gateway validated the document: a subgraph refusing it can only be refusing a value.
    const relayed = code === 'GRAPHQL_VALIDATION_FAILED' ? 'BAD_USER_INPUT' : code;
    const field = typeof first.extensions?.field === 'string' ? { field: first.extensions.field } : {};
    return new GraphQLError(first.message, { extensions: { code: relayed, ...field } });
  }

  override async willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const { request } = options;
    // Health checks and schema loading run with no incoming request: the gateway speaks for itself.
    const claims =
      options.kind === GraphQLDataSourceRequestKind.INCOMING_OPERATION && options.context?.claims
        ? options.context.claims
        : serviceClaims(randomUUID());
    const token = await this.signer.sign(claims, this.name, requestDigest(request.query, request.variables));
    request.http?.headers.set(CONTEXT_HEADER, token);
    request.http?.headers.set('x-request-id', claims.requestId);
  }
}
