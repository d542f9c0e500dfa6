import pino from 'pino';
import { decodeSecret, requestDigest, ServiceContextSigner } from '../../platform/contracts/signed-context';
import type { SubgraphName } from '../../subgraphs/kit/config';
import { deriveServiceKeys, ServiceClient } from '../../subgraphs/kit/service-client';
import type { GraphQLResponse } from './environment';
import { httpClient } from './graphql';
import type { SeededStack } from './stack';

export type Tenant = { id: string; slug: string };

/** Calls subgraphs as `caller` would, over its own service links and for a tenant. */
export function asSubgraph(world: Pick<SeededStack, 'env'> & { stack: Pick<SeededStack['stack'], 'subgraphUrls'> }, caller: SubgraphName) {
  const secret = decodeSecret(world.env.keys.contextSecret, 'context secret');
  const signer = new ServiceContextSigner(caller, deriveServiceKeys(secret, caller).outbound);
  const client = new ServiceClient(signer, world.stack.subgraphUrls, pino({ level: 'silent' }));
  return {
    /** Through the real ServiceClient: data, or an UNAVAILABLE error (it fails closed). */
    request<T = any>(callee: SubgraphName, tenant: Tenant, query: string, variables: Record<string, unknown> = {}): Promise<T> {
      return client.request<T>(callee, query, variables, { requestId: `test-${caller}`, tenant, clientIp: '127.0.0.1' });
    },
    /** The callee's own answer, refusals included. */
    raw(callee: SubgraphName, tenant: Tenant, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse> {
      const claims = { requestId: `test-${caller}`, tenant, clientIp: '127.0.0.1', principal: { id: '', kind: 'subgraph' as const, roles: [], scopes: [] }, accessPolicy: null };
      const token = signer.sign(claims, callee, requestDigest(query, variables));
      return httpClient(world.stack.subgraphUrls[callee], undefined, { 'x-cx-context': token }).send(query, variables);
    },
  };
}
