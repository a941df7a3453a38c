import { timeout, TimeoutStrategy, type TimeoutPolicy } from 'cockatiel';

/**
 * One attempt's deadline (cockatiel): at PAYMENT_ATTEMPT_TIMEOUT_MS the attempt is abandoned and
 * its HTTP call aborted (the signal reaches the call), so a gateway answering in 20 s costs one
 * timeout per attempt, never 20 s. The gateway may still complete the charge: the idempotency key
 * makes the next attempt, or the lookup, find that same charge.
 */
export function createAttemptTimeout(ms: number): TimeoutPolicy {
  return timeout(ms, TimeoutStrategy.Aggressive);
}
