import { Agent } from 'undici';

/**
 * Keep-alive HTTP between the project's own processes (the gateway's subgraph fetches, its
 * questions to identity, service calls between subgraphs): undici pools rather than the global
 * fetch, whose web streams, abort signals and header objects cost a good share of a process's CPU
 * per call.
 */
export interface PoolSettings {
  /** Connections per origin. */
  connections: number;
  /** How long an idle connection is kept: below the peer's own keep-alive (Node's 5 s). */
  keepAliveMs: number;
  connectTimeoutMs: number;
  /** Also bound the wait for headers and for the body, each (the call's deadline bounds both anyway). */
  answerTimeoutMs?: number;
}

export function keepAlivePool(settings: PoolSettings): Agent {
  return new Agent({
    connections: settings.connections,
    keepAliveTimeout: settings.keepAliveMs,
    keepAliveMaxTimeout: settings.keepAliveMs,
    ...(settings.answerTimeoutMs === undefined ? {} : { headersTimeout: settings.answerTimeoutMs, bodyTimeout: settings.answerTimeoutMs }),
    connect: { timeout: settings.connectTimeoutMs },
  });
}

export interface PooledAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * One call over a pool with one deadline over all of it (connection, headers and body): at the
 * deadline the call is aborted with `timedOut()`. Any failure rejects; the caller says what it means.
 */
export async function callWithin(
  pool: Agent,
  url: string,
  request: { method?: string; headers: Record<string, string>; body?: string | Buffer },
  timeoutMs: number,
  timedOut: () => Error = () => new Error(`no answer within ${timeoutMs} ms`),
): Promise<PooledAnswer> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(timedOut()), timeoutMs);
  try {
    const target = new URL(url);
    const response = await pool.request({
      origin: target.origin,
      path: target.pathname + target.search,
      method: (request.method ?? 'POST') as 'POST',
      headers: request.headers,
      body: request.body,
      signal: controller.signal,
    });
    const text = await response.body.text();
    return { status: response.statusCode, headers: response.headers, text };
  } finally {
    clearTimeout(timer);
  }
}
