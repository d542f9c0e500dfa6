import type CircuitBreaker from 'opossum';
import { CrmError } from './crm-connector';

export interface CrmRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Reads and searches: retried after a failure. Writes are sent once. */
  safe?: boolean;
}

export interface Resilience {
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
  /** The connection's circuit breaker; its action runs the attempt it is given. */
  breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Exponential backoff with full jitter: 0.5-1.5 × base × 2^attempt. */
export const backoffMs = (attempt: number, baseMs: number) => Math.round(baseMs * 2 ** attempt * (0.5 + Math.random()));

/**
 * HTTP to one CRM connection: a timeout per attempt, retries with backoff for safe calls, all
 * through the connection's circuit breaker. Errors say what happened, never what the CRM answered.
 */
export class CrmHttp {
  constructor(
    private readonly provider: string,
    private readonly baseUrl: string,
    private readonly authorization: string,
    private readonly resilience: Resilience,
  ) {}

  async send<T>(request: CrmRequest): Promise<{ status: number; body: T }> {
    const { retries, retryBaseMs, breaker } = this.resilience;
    for (let attempt = 0; ; attempt++) {
      try {
        return (await breaker.fire(() => this.attempt<T>(request))) as { status: number; body: T };
      } catch (caught) {
        const error = this.classify(caught);
        if (!request.safe || !error.retryable || attempt >= retries) throw error;
        await sleep(backoffMs(attempt, retryBaseMs));
      }
    }
  }

  private classify(caught: unknown): CrmError {
    if (caught instanceof CrmError) return caught;
    if ((caught as { code?: string }).code === 'EOPENBREAKER') {
      return new CrmError('unavailable', `${this.provider} is failing; calls are paused for a while`);
    }
    return new CrmError('unavailable', `${this.provider} did not answer`, true);
  }

  private async attempt<T>(request: CrmRequest): Promise<{ status: number; body: T }> {
    const url = new URL(this.baseUrl.replace(/\/+$/, '') + request.path);
    for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, value);
    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method,
        headers: {
          authorization: this.authorization,
          accept: 'application/json',
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        // A redirect could lead anywhere, past the base URL's checks.
        redirect: 'error',
        signal: AbortSignal.timeout(this.resilience.timeoutMs),
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError';
      throw new CrmError('unavailable', `${this.provider} ${timedOut ? 'did not answer in time' : 'could not be reached'}`, true);
    }
    const raw = await response.text().catch(() => '');
    const { status } = response;
    if (status === 401 || status === 403) throw new CrmError('auth', `${this.provider} refused the connection's credentials (HTTP ${status})`);
    if (status === 404) throw new CrmError('not_found', `${this.provider} has no such record`);
    if (status === 429 || status >= 500) throw new CrmError('unavailable', `${this.provider} is unavailable (HTTP ${status})`, true);
    if (status >= 400) throw new CrmError('rejected', `${this.provider} rejected the request (HTTP ${status})`);
    let body: T;
    try {
      body = (raw ? JSON.parse(raw) : null) as T;
    } catch {
      throw new CrmError('unavailable', `${this.provider} answered with something other than JSON`, true);
    }
    return { status, body };
  }
}
