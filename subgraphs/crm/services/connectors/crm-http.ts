import http from 'node:http';
import https from 'node:https';
import type CircuitBreaker from 'opossum';
import { remainingMs } from '../../../../platform/deadline';
import { AddressRefusedError } from './crm-agents';
import { CrmError } from './crm-connector';

export interface CrmRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Reads and searches: retried after a failure. Writes are sent once. */
  safe?: boolean;
}

/** Where a connection's calls go: its checked base URL and the agent that checks each address connected to. */
export interface CrmTarget {
  baseUrl: string;
  agent: http.Agent;
}

export interface Resilience {
  timeoutMs: number;
  /** All attempts of one call together, backoff included; never past the request's deadline. */
  budgetMs?: number;
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
 * Node's http client rather than fetch: its agents (crm-agents.ts) see every socket, so the address
 * actually connected to is checked, and it follows no redirect.
 */
export class CrmHttp {
  constructor(
    private readonly provider: string,
    private readonly target: CrmTarget,
    private readonly authorization: string,
    private readonly resilience: Resilience,
  ) {}

  async send<T>(request: CrmRequest): Promise<{ status: number; body: T }> {
    const { retries, retryBaseMs, breaker, timeoutMs } = this.resilience;
    const deadline = Date.now() + remainingMs(this.resilience.budgetMs ?? timeoutMs * (retries + 1));
    for (let attempt = 0; ; attempt++) {
      const left = deadline - Date.now();
      if (left <= 0) throw new CrmError('unavailable', `${this.provider} did not answer in time`);
      try {
        return (await breaker.fire(() => this.attempt<T>(request, Math.min(timeoutMs, left)))) as { status: number; body: T };
      } catch (caught) {
        const error = this.classify(caught);
        if (!request.safe || !error.retryable || attempt >= retries) throw error;
        const pause = backoffMs(attempt, retryBaseMs);
        // A retry that could not finish within the budget is not worth starting.
        if (Date.now() + pause >= deadline) throw error;
        await sleep(pause);
      }
    }
  }

  private classify(caught: unknown): CrmError {
    if (caught instanceof CrmError) return caught;
    if ((caught as { code?: string }).code === 'EOPENBREAKER') {
      return new CrmError('unavailable', `${this.provider} is failing; calls are paused for a while`);
    }
    if ((caught as { code?: string }).code === 'ETIMEDOUT') {
      return new CrmError('unavailable', `${this.provider} did not answer in time`, true);
    }
    return new CrmError('unavailable', `${this.provider} did not answer`, true);
  }

  private async attempt<T>(request: CrmRequest, timeoutMs: number): Promise<{ status: number; body: T }> {
    const url = new URL(this.target.baseUrl.replace(/\/+$/, '') + request.path);
    for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, value);
    const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
    const signal = AbortSignal.timeout(timeoutMs);
    let status: number;
    let raw: string;
    try {
      ({ status, raw } = await exchange(url, {
        method: request.method,
        headers: {
          authorization: this.authorization,
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(payload.length) }),
        },
        agent: this.target.agent,
        signal,
      }, payload));
    } catch (error) {
      if (error instanceof CrmError) throw error;
      if (error instanceof AddressRefusedError) throw new CrmError('unavailable', `${this.provider} is at an address that is not allowed`);
      throw new CrmError('unavailable', `${this.provider} ${signal.aborted ? 'did not answer in time' : 'could not be reached'}`, true);
    }
    // A redirect could lead anywhere, past the address checks: never followed.
    if (status >= 300 && status < 400) throw new CrmError('unavailable', `${this.provider} answered with a redirect, which is not followed (HTTP ${status})`);
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

/** Answers larger than this are refused rather than buffered. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** One request and its whole answer, within the signal's deadline. Node's http client never follows redirects. */
function exchange(url: URL, options: http.RequestOptions, payload: Buffer | undefined): Promise<{ status: number; raw: string }> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(url, options, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
        reject(new CrmError('unavailable', `the CRM's answer was larger than ${MAX_BODY_BYTES} bytes`));
        request.destroy();
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, raw: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
      response.on('close', () => {
        if (!response.complete) reject(new Error('the answer was cut off'));
      });
    });
    request.on('error', reject);
    request.end(payload);
  });
}
