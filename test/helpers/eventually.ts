export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** What is awaited, for the failure message. */
  what?: string;
  /** Appended to the failure message when it is thrown (a process's output, say), read only then. */
  detail?: () => string;
  /**
   * Once aborted (a process exited, say), the attempt that began after it is the last: its failure
   * is reported with the signal's reason at once instead of waiting out the timeout.
   */
  signal?: AbortSignal;
}

/**
 * Retries a check until it holds (neither throws nor returns `false`), for outcomes that arrive
 * asynchronously (an event delivered, a worker's retry done). The last failure is reported.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 15_000, intervalMs = 25, what = 'condition', detail, signal }: EventuallyOptions = {},
): Promise<Exclude<T, false>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const aborted = signal?.aborted ?? false;
    try {
      const value = await check();
      if (value !== false) return value as Exclude<T, false>;
      last = new Error('not yet');
    } catch (error) {
      last = error;
    }
    if (aborted || Date.now() >= deadline) {
      const reason = last instanceof Error ? last.message : String(last);
      const why = aborted ? `(${signal!.reason instanceof Error ? signal!.reason.message : String(signal!.reason)})` : `after ${timeoutMs} ms`;
      const message = `gave up waiting for ${what} ${why}: ${reason}${detail ? `\n${detail()}` : ''}`;
      throw Object.assign(new Error(message), { cause: last });
    }
    await pause(intervalMs, signal);
  }
}

/** Waits the interval, or less when the signal aborts meanwhile (one last attempt follows). */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
