/**
 * What may be logged about an unexpected error: its class, its code and where it was thrown, never
 * its message, which may carry personal data (an email in a CRM's answer, a value in SQL text).
 */
export function errorFacts(error: unknown): { type: string; code?: string | number; at?: string[] } {
  if (!(error instanceof Error)) return { type: typeof error };
  const code = (error as { code?: unknown }).code;
  return {
    type: error.constructor?.name ?? 'Error',
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    // The frames only: the stack's first line repeats the message.
    at: error.stack?.split('\n').slice(1, 6).map((frame) => frame.trim()),
  };
}
