import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestHandler } from 'express';
import { DomainError } from './errors';

/**
 * The request's remaining budget in milliseconds, sent by the gateway beside the signed context
 * (and by a subgraph to the ones it calls). Unsigned on purpose: it can only shorten the work a
 * subgraph does, and a subgraph never takes more than its own cap from it.
 */
export const DEADLINE_HEADER = 'x-cx-deadline-ms';

const deadlines = new AsyncLocalStorage<number>();

/** Time left for the current request (epoch deadline from the header), bounded by `capMs`; `capMs` outside a request. */
export function remainingMs(capMs: number): number {
  const deadline = deadlines.getStore();
  if (deadline === undefined) return capMs;
  return Math.max(0, Math.min(capMs, deadline - Date.now()));
}

/** Whether the current request has run out of time. */
export function deadlinePassed(): boolean {
  const deadline = deadlines.getStore();
  return deadline !== undefined && Date.now() >= deadline;
}

export function runWithDeadline<T>(deadline: number, work: () => T): T {
  return deadlines.run(deadline, work);
}

/** The budget to hand on to the next hop: what is left, less a margin so this hop can still answer. */
export function budgetForNextHop(remaining: number): number {
  return Math.max(0, Math.floor(remaining - Math.min(250, remaining * 0.1)));
}

export function parseBudget(header: string | undefined, capMs: number): number {
  // Digits only: '' or ' ' would read as 0 (no time at all), '0x10' as 16.
  return header !== undefined && /^\d{1,9}$/.test(header) ? Math.min(Number(header), capMs) : capMs;
}

/** Everything downstream of this middleware (resolvers, queries, service calls) sees one deadline. */
export function deadlineMiddleware(capMs: number): RequestHandler {
  return (req, _res, next) => {
    runWithDeadline(Date.now() + parseBudget(req.header(DEADLINE_HEADER), capMs), () => next());
  };
}

export const overDeadline = (what: string) => new DomainError('UNAVAILABLE', `The ${what} did not answer in time`);
