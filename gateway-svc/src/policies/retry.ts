import { ExponentialBackoff, fullJitterGenerator, handleWhen, retry, type RetryPolicy } from 'cockatiel';
import { UpstreamError } from '../upstream-error';

/**
 * One more try for an idempotent read that found nobody listening (a restart, a reset
 * connection), after a random 0-100 ms (full jitter) so
 * that many clients failing together do not come back together. Not after a timeout: the
 * upstream is slow, and asking again doubles both the client's wait and the upstream's load. Not
 * after a 5xx: the upstream answered (the voter has already asked its replicas again itself).
 */
export function createReadRetry(): RetryPolicy {
  return retry(
    handleWhen((err) => err instanceof UpstreamError && err.kind === 'unreachable'),
    { maxAttempts: 1, backoff: new ExponentialBackoff({ generator: fullJitterGenerator, initialDelay: 100, maxDelay: 100 }) },
  );
}
