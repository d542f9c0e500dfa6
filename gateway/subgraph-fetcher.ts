import type { Fetcher, FetcherHeaders, FetcherResponse } from '@apollo/utils.fetcher';
import { callWithin, keepAlivePool } from '../platform/http-pool';
import { parseBudget } from '../platform/deadline';
import type { GatewayDeadlines } from './config';

export interface SubgraphFetcher {
  fetcher: Fetcher;
  close(): Promise<void>;
}

/** The data source's word to the fetcher on how long this fetch may take; not sent on. */
export const FETCH_TIMEOUT_HEADER = 'x-cx-fetch-timeout-ms';

/** Thrown when a fetch runs out of its budget; the data source answers UNAVAILABLE for it. */
export class SubgraphTimeout extends Error {
  readonly code = 'SUBGRAPH_TIMEOUT';
}

/**
 * The gateway's fetcher for subgraphs: undici keep-alive pools (bounded connections per subgraph,
 * idle sockets closed before the subgraph's own keep-alive ends them), and every fetch bounded by
 * the request's remaining budget, which the data source sends in the deadline header. Replaces
 * make-fetch-happen, whose agent builds a stack trace per request.
 */
export function createSubgraphFetcher(settings: GatewayDeadlines): SubgraphFetcher {
  const agent = keepAlivePool({
    connections: settings.subgraphConnections,
    keepAliveMs: settings.subgraphKeepAliveMs,
    connectTimeoutMs: Math.min(settings.subgraphFetchMs, 3_000),
    answerTimeoutMs: settings.subgraphFetchMs,
  });
  const fetcher: Fetcher = async (url, init = {}) => {
    const { [FETCH_TIMEOUT_HEADER]: asked, ...headers } = init.headers ?? {};
    const timeoutMs = parseBudget(asked, settings.subgraphFetchMs);
    if (timeoutMs <= 0) throw new SubgraphTimeout('no time left for the subgraph');
    const answer = await callWithin(agent, url, { method: init.method, headers, body: init.body }, timeoutMs, () => new SubgraphTimeout('the subgraph did not answer in time'));
    return textResponse(url, answer.status, answer.headers, answer.text);
  };
  return { fetcher, close: () => agent.close() };
}

/** The part of a fetch Response that RemoteGraphQLDataSource reads, over an already read body. */
function textResponse(url: string, status: number, raw: Record<string, string | string[] | undefined>, text: string): FetcherResponse {
  const response: FetcherResponse = {
    bodyUsed: false,
    url,
    redirected: false,
    status,
    ok: status >= 200 && status < 300,
    statusText: '',
    headers: new ResponseHeaders(raw),
    text: async () => text,
    json: async () => JSON.parse(text) as unknown,
    arrayBuffer: async () => new TextEncoder().encode(text).buffer as ArrayBuffer,
    clone: () => response,
  };
  return response;
}

/**
 * A response's headers, read-only, over undici's record (names in lower case, repeated ones as an
 * array): what a fetch Headers offers a reader, without copying every header into one per fetch.
 */
export class ResponseHeaders implements FetcherHeaders {
  constructor(private readonly raw: Record<string, string | string[] | undefined>) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    // As fetch joins repeated headers (set-cookie aside, which a subgraph does not send).
    return Array.isArray(value) ? value.join(', ') : value;
  }

  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }

  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw).sort()) {
      const value = this.get(name);
      if (value !== null) yield [name, value];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  append(_name: string, _value: string): void {
    throw new TypeError('response headers are read-only');
  }

  delete(_name: string): void {
    throw new TypeError('response headers are read-only');
  }

  set(_name: string, _value: string): void {
    throw new TypeError('response headers are read-only');
  }
}
