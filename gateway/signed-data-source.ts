import { randomUUID } from 'node:crypto';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { observeSubgraphFetch } from '../subgraphs/shared/telemetry/metrics';
import { injectTraceContext } from '../subgraphs/shared/telemetry/tracing';
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

  // Timed and traced whichever fetcher sends it; the trace context goes in the headers explicitly.
  override process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    return observeSubgraphFetch(this.name, () => super.process(options));
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
    injectTraceContext(request.http?.headers);
  }
}
