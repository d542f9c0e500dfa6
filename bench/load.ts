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

/** autocannon's own merge of runs made with `skipAggregateResult` (not in its type definitions). */
const aggregateResult = (autocannon as unknown as { aggregateResult(results: autocannon.Result[], opts: { url: string; connections: number }): autocannon.Result }).aggregateResult;

/** One run of the load as autocannon left it (histograms encoded), with the answers checked; see `combine`. */
export interface RawLoad {
  result: autocannon.Result;
  answers: number;
  bad: number;
  firstError?: string;
}

/** Drives the load with autocannon and checks every answer, not only the first. */
export async function drive(load: Load, counter: { next: number }): Promise<LoadResult> {
  return combine([await driveRaw(load, counter)], load);
}

/** One run of the load, kept raw so that several runs (the slices of a paired window) can be summed. */
export async function driveRaw(load: Load, counter: { next: number }): Promise<RawLoad> {
  const checked: Omit<RawLoad, 'result'> = { answers: 0, bad: 0 };
  const result = await autocannon({
    url: load.url,
    method: 'POST',
    connections: load.connections,
    duration: load.seconds,
    skipAggregateResult: true,
    requests: [
      {
        setupRequest: (request) => {
          const body = load.body(counter.next++);
          return { ...request, body, headers: load.headers(body) };
        },
        onResponse: (status, body) => {
          checked.answers++;
          const text = String(body);
          if (!cleanAnswer(status, text)) {
            checked.bad++;
            checked.firstError ??= `HTTP ${status}: ${text.slice(0, 300)}`;
          }
        },
      },
    ],
  });
  return { result, ...checked };
}

/**
 * Several runs of one load as one: answers over the runs' summed length, latency percentiles from
 * their merged histograms (autocannon's own aggregation), every error counted.
 */
export function combine(runs: RawLoad[], load: Pick<Load, 'url' | 'connections'>): LoadResult {
  const merged = aggregateResult(runs.map((run) => run.result), { url: load.url, connections: load.connections });
  const seconds = runs.reduce((sum, run) => sum + run.result.duration, 0);
  const answers = runs.reduce((sum, run) => sum + run.answers, 0);
  const socketErrors = merged.errors + merged.timeouts;
  return {
    requestsPerSecond: seconds > 0 ? answers / seconds : 0,
    p50: merged.latency.p50,
    p99: merged.latency.p99,
    answers,
    errors: runs.reduce((sum, run) => sum + run.bad, 0) + socketErrors,
    firstError: runs.find((run) => run.firstError)?.firstError ?? (socketErrors > 0 ? `${merged.errors} socket errors, ${merged.timeouts} timeouts` : undefined),
  };
}
