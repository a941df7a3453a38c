import { TaskCancelledError, timeout, TimeoutStrategy, type TimeoutPolicy } from 'cockatiel';

/**
 * A deadline per call (cockatiel, aggressive: the caller is answered at the deadline and the
 * call's AbortSignal fires, which closes the socket to the upstream instead of leaving it busy).
 */
export function createTimeout(ms: number): TimeoutPolicy {
  return timeout(ms, TimeoutStrategy.Aggressive);
}

export function isTimeout(err: unknown): boolean {
  return err instanceof TaskCancelledError;
}
