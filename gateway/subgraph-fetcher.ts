import type { Fetcher, FetcherResponse } from '@apollo/utils.fetcher';
import { Agent, Headers } from 'undici';
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
  const agent = new Agent({
    connections: settings.subgraphConnections,
    keepAliveTimeout: settings.subgraphKeepAliveMs,
    keepAliveMaxTimeout: settings.subgraphKeepAliveMs,
    headersTimeout: settings.subgraphFetchMs,
    bodyTimeout: settings.subgraphFetchMs,
    connect: { timeout: Math.min(settings.subgraphFetchMs, 3_000) },
  });
  const fetcher: Fetcher = async (url, init = {}) => {
    const { [FETCH_TIMEOUT_HEADER]: asked, ...headers } = init.headers ?? {};
    const timeoutMs = parseBudget(asked, settings.subgraphFetchMs);
    if (timeoutMs <= 0) throw new SubgraphTimeout('no time left for the subgraph');
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new SubgraphTimeout('the subgraph did not answer in time')), timeoutMs);
    try {
      const target = new URL(url);
      const response = await agent.request({
        origin: target.origin,
        path: target.pathname + target.search,
        method: (init.method ?? 'POST') as 'POST',
        headers,
        body: init.body,
        signal: controller.signal,
      });
      const text = await response.body.text();
      return textResponse(url, response.statusCode, response.headers, text);
    } finally {
      clearTimeout(timer);
    }
  };
  return { fetcher, close: () => agent.close() };
}

/** The part of a fetch Response that RemoteGraphQLDataSource reads, over an already read body. */
function textResponse(url: string, status: number, raw: Record<string, string | string[] | undefined>, text: string): FetcherResponse {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const response: FetcherResponse = {
    bodyUsed: false,
    url,
    redirected: false,
    status,
    ok: status >= 200 && status < 300,
    statusText: '',
    headers: headers as unknown as FetcherResponse['headers'],
    text: async () => text,
    json: async () => JSON.parse(text) as unknown,
    arrayBuffer: async () => new TextEncoder().encode(text).buffer as ArrayBuffer,
    clone: () => response,
  };
  return response;
}
