import { ExponentialBackoff, handleAll, retry } from 'cockatiel';

/**
 * A status change is retried until it is recorded (and, with it, announced by NOTIFY): a monitor
 * that gave up on a write while the database restarted would leave the voter asking a replica it
 * had convicted. 100 ms growing to 2 s between attempts; only the monitor's shutdown ends it.
 * Safe because recording a transition is idempotent (see store.ts).
 */
export const recordRetryPolicy = () =>
  retry(handleAll, { maxAttempts: Number.POSITIVE_INFINITY, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2000 }) });
