import { ExponentialBackoff, fullJitterGenerator, handleWhen, retry, type RetryPolicy } from 'cockatiel';

/**
 * Attempts again after a failure that is worth it (saga.ts worthRetrying: a timeout, a 5xx, no
 * connection, the breaker open), after an exponential backoff with full jitter (a random wait
 * between 0 and min(max, initial × 2^n)), so that the orders failing together do not come back
 * together. How many times is bounded by the payment deadline, not a count: the caller passes a
 * signal that aborts when the retry window closes (saga.ts retryWindowMs), and no attempt starts
 * after it.
 */
export function createChargeRetry(opts: { initialDelayMs: number; maxDelayMs: number; isRetryable: (err: Error) => boolean }): RetryPolicy {
  return retry(handleWhen(opts.isRetryable), {
    maxAttempts: Number.MAX_SAFE_INTEGER,
    backoff: new ExponentialBackoff({ generator: fullJitterGenerator, initialDelay: opts.initialDelayMs, maxDelay: opts.maxDelayMs }),
  });
}
