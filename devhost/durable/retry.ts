import type { RetryOptionsWire } from './internals.js';

/**
 * Delay before the next attempt after failed attempt `attemptIndex` (0-based), as DTFx's RetryInterceptor computes it:
 * first interval × backoff^index, capped at the max retry interval. Unset backoff means 1, unset cap means none.
 */
export function retryDelayMs(options: RetryOptionsWire, attemptIndex: number): number {
  const backoff =
    typeof options.backoffCoefficient === 'number' && options.backoffCoefficient > 0 ? options.backoffCoefficient : 1;
  let delay = options.firstRetryIntervalInMilliseconds * Math.pow(backoff, attemptIndex);
  const cap = options.maxRetryIntervalInMilliseconds;
  if (typeof cap === 'number' && cap > 0) delay = Math.min(delay, cap);
  return Number.isFinite(delay) ? Math.max(0, Math.round(delay)) : 0;
}

/** True when the retry timeout (measured from the first attempt) has run out, so no further attempt may start. */
export function retryTimedOut(options: RetryOptionsWire, firstAttemptAt: Date, now: Date): boolean {
  const timeout = options.retryTimeoutInMilliseconds;
  if (typeof timeout !== 'number' || timeout <= 0 || !Number.isFinite(timeout)) return false;
  return now.getTime() - firstAttemptAt.getTime() >= timeout;
}
