import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  CONTEXT_HEADER,
  decodeSecret,
  requestDigest,
  serviceLinkKey,
  ServiceContextSigner,
  type RequestClaims,
} from '../../platform/contracts/signed-context';
import { SERVICE_LINKS, type SubgraphName } from '../../platform/contracts/service-links';
import { DomainError } from '../../platform/errors';
import { budgetForNextHop, DEADLINE_HEADER, remainingMs } from '../../platform/deadline';
import { REQUEST_ID_HEADER } from '../../platform/access-log';
import { callWithin, keepAlivePool } from '../../platform/http-pool';

export interface ServiceLinkKeys {
  /** Keys for calls this subgraph makes, by callee. */
  outbound: Map<string, Uint8Array>;
  /** Keys for calls this subgraph accepts, by caller. */
  inbound: Map<string, Uint8Array>;
}

/** `caller>callee:key,…` (SERVICE_KEYS) → the keys of the links `self` is an end of. */
export function parseServiceKeys(value: string, self: SubgraphName): ServiceLinkKeys {
  const keys: ServiceLinkKeys = { outbound: new Map(), inbound: new Map() };
  for (const entry of value.split(',').map((part) => part.trim()).filter(Boolean)) {
    const match = /^([a-z]+)>([a-z]+):(.+)$/.exec(entry);
    if (!match) throw new Error('SERVICE_KEYS entries must look like caller>callee:key');
    const [, caller, callee, key] = match;
    if (!SERVICE_LINKS.some(([from, to]) => from === caller && to === callee)) throw new Error(`SERVICE_KEYS: ${caller}>${callee} is not a service link`);
    if (caller === self) keys.outbound.set(callee, decodeSecret(key, 'SERVICE_KEYS'));
    if (callee === self) keys.inbound.set(caller, decodeSecret(key, 'SERVICE_KEYS'));
  }
  return keys;
}

/** The links of `self`, derived from a master secret (development, and `npm run context-key`). */
export function deriveServiceKeys(masterSecret: Uint8Array, self: SubgraphName): ServiceLinkKeys {
  const keys: ServiceLinkKeys = { outbound: new Map(), inbound: new Map() };
  for (const [caller, callee] of SERVICE_LINKS) {
    if (caller === self) keys.outbound.set(callee, serviceLinkKey(masterSecret, caller, callee));
    if (callee === self) keys.inbound.set(caller, serviceLinkKey(masterSecret, caller, callee));
  }
  return keys;
}

/** SERVICE_KEYS for `self`, as `npm run -s context-key -- <subgraph> --links` prints it. */
export function formatServiceKeys(masterSecret: Uint8Array, self: SubgraphName): string {
  return SERVICE_LINKS.filter(([caller, callee]) => caller === self || callee === self)
    .map(([caller, callee]) => `${caller}>${callee}:${Buffer.from(serviceLinkKey(masterSecret, caller, callee)).toString('base64url')}`)
    .join(',');
}

export const SERVICE_CALL_TIMEOUT_MS = 3_000;

/** Who a service call is for: the tenant (and request) the calling subgraph is serving. */
export type OnBehalfOf = Pick<RequestClaims, 'requestId' | 'tenant' | 'clientIp'>;

/** Keep-alive connections per callee, and how long an idle one is kept: below the callee's (Node's 5 s). */
const LINK_CONNECTIONS = 32;
const LINK_KEEPALIVE_MS = 4_000;

/**
 * Calls another subgraph's GraphQL endpoint with a context signed over their link. Any failure
 * (unreachable, slow, refused, errors in the answer) is an UNAVAILABLE error, so callers fail closed.
 * Calls go over a keep-alive pool (platform/http-pool.ts): writes about end-users ask identity on
 * every request.
 */
export class ServiceClient {
  private readonly agent = keepAlivePool({ connections: LINK_CONNECTIONS, keepAliveMs: LINK_KEEPALIVE_MS, connectTimeoutMs: SERVICE_CALL_TIMEOUT_MS });

  constructor(
    private readonly signer: ServiceContextSigner,
    private readonly urls: Record<SubgraphName, string>,
    private readonly logger: Logger,
    private readonly timeoutMs = SERVICE_CALL_TIMEOUT_MS,
  ) {}

  async request<T>(callee: SubgraphName, query: string, variables: Record<string, unknown>, on: OnBehalfOf): Promise<T> {
    const claims: RequestClaims = {
      requestId: on.requestId || randomUUID(),
      tenant: on.tenant,
      clientIp: on.clientIp,
      principal: { id: '', kind: 'subgraph', roles: [], scopes: [] },
      accessPolicy: null,
    };
    const token = this.signer.sign(claims, callee, requestDigest(query, variables));
    // Within the request's own deadline; the callee gets what is left of it.
    const budget = remainingMs(this.timeoutMs);
    if (budget <= 0) throw unavailable(callee);
    let body: { data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] };
    try {
      const answer = await callWithin(
        this.agent,
        this.urls[callee],
        {
          headers: {
            'content-type': 'application/json',
            [CONTEXT_HEADER]: token,
            [REQUEST_ID_HEADER]: claims.requestId,
            [DEADLINE_HEADER]: String(budgetForNextHop(budget)),
          },
          body: JSON.stringify({ query, variables }),
        },
        budget,
      );
      body = JSON.parse(answer.text) as typeof body;
    } catch (error) {
      this.logger.warn({ callee, requestId: claims.requestId, reason: (error as Error).message }, 'service call failed');
      throw unavailable(callee);
    }
    if (body?.errors?.length || !body?.data) {
      this.logger.warn(
        { callee, requestId: claims.requestId, codes: body?.errors?.map((error) => error.extensions?.code ?? 'UNKNOWN') },
        'service call refused',
      );
      throw unavailable(callee);
    }
    return body.data;
  }

  private closing?: Promise<void>;

  /** Closes the pooled connections (the server's close; closing again is harmless). */
  close(): Promise<void> {
    this.closing ??= this.agent.close();
    return this.closing;
  }
}

export const unavailable = (callee: string) => new DomainError('UNAVAILABLE', `The ${callee} service could not be reached; nothing was done`);
