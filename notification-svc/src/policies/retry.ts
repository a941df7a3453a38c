import { ExponentialBackoff, handleAll, retry, type RetryPolicy } from 'cockatiel';

/**
 * A sending round that failed (the mail server refused or timed out) is tried again after an
 * exponential backoff with full jitter, for as long as it takes: mail is not critical, nothing
 * waits for it, and nothing is dropped. Each round sends what is still unsent, oldest first.
 */
export function createRoundRetry(opts: { initialDelayMs: number; maxDelayMs: number }): RetryPolicy {
  return retry(handleAll, {
    maxAttempts: Number.MAX_SAFE_INTEGER,
    backoff: new ExponentialBackoff({ initialDelay: opts.initialDelayMs, maxDelay: opts.maxDelayMs }),
  });
}
