/**
 * Retries a check until it holds (neither throws nor returns `false`), for outcomes that arrive
 * asynchronously (an event delivered, a worker's retry done). The last failure is reported.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 15_000, intervalMs = 25, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false) return value;
      last = new Error('not yet');
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const reason = last instanceof Error ? last.message : String(last);
      throw Object.assign(new Error(`gave up waiting for ${what} after ${timeoutMs} ms: ${reason}`), { cause: last });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
