import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { CommitOutcomeUnknown, isTransientDbError } from '../db-errors';

/**
 * Retry for a database transaction that lost its connection before COMMIT: it was rolled back,
 * so it is done again, after 50 ms growing to at most 1 s with decorrelated jitter, up to six
 * attempts (about 3 s: a terminated backend, or a server restart on this machine). A lost COMMIT
 * is not retried (CommitOutcomeUnknown): the caller reports it, and the client retries with its
 * idempotency key.
 */
export function dbRetryPolicy(maxAttempts = 6) {
  return retry(
    handleWhen((err) => isTransientDbError(err) && !(err instanceof CommitOutcomeUnknown)),
    { maxAttempts, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 1000 }) },
  );
}

export type DbRetryPolicy = ReturnType<typeof dbRetryPolicy>;
