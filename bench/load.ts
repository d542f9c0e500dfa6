import autocannon from 'autocannon';

export interface Load {
  url: string;
  connections: number;
  seconds: number;
  /** The i-th request's body and headers (ids rotate so no row is favoured). */
  body: (i: number) => string;
  headers: (body: string) => Record<string, string>;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** Answers received in the window. */
  answers: number;
  /** Answers that were not HTTP 200 with `data` and no `errors`, plus socket errors and timeouts. */
  errors: number;
  /** The first bad answer, shortened, to say what went wrong. */
  firstError?: string;
}

/** Whether an answer is a clean GraphQL success: HTTP 200 and no `errors` entry. */
export function cleanAnswer(status: number, body: string): boolean {
  if (status !== 200) return false;
  // Cheap on the common path: only an answer that mentions "errors" is parsed.
  if (!body.includes('"errors"')) return true;
  try {
    const parsed = JSON.parse(body) as { errors?: unknown[] };
    return !(Array.isArray(parsed.errors) && parsed.errors.length > 0);
  } catch {
    return false;
  }
}

/** Drives the load with autocannon and checks every answer, not only the first. */
export async function drive(load: Load, counter: { next: number }): Promise<LoadResult> {
  let answers = 0;
  let bad = 0;
  let firstError: string | undefined;
  const result = await autocannon({
    url: load.url,
    method: 'POST',
    connections: load.connections,
    duration: load.seconds,
    requests: [
      {
        setupRequest: (request) => {
          const body = load.body(counter.next++);
          return { ...request, body, headers: load.headers(body) };
        },
        onResponse: (status, body) => {
          answers++;
          const text = String(body);
          if (!cleanAnswer(status, text)) {
            bad++;
            firstError ??= `HTTP ${status}: ${text.slice(0, 300)}`;
          }
        },
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    answers,
    errors: bad + result.errors + result.timeouts,
    firstError: firstError ?? (result.errors + result.timeouts > 0 ? `${result.errors} socket errors, ${result.timeouts} timeouts` : undefined),
  };
}
