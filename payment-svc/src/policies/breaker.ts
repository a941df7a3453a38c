import { BrokenCircuitError, circuitBreaker, ConsecutiveBreaker, handleWhen, IsolatedCircuitError, type CircuitBreakerPolicy } from 'cockatiel';
import type { BreakerState } from '@ftlab/shared';

/** The breaker's state as metrics, /health and /payments/stats show it (shared/src/api.ts). */
export type BreakerStateName = BreakerState;
const STATE_NAMES: Record<number, BreakerStateName> = { 0: 'closed', 1: 'open', 2: 'half_open', 3: 'isolated' };

/**
 * One breaker per gateway (cockatiel): after PAYMENT_BREAKER_FAILURES attempts in a row that the
 * gateway failed (timeout, 5xx, no connection) it opens, and every charge fails fast without a
 * call; after PAYMENT_BREAKER_HALF_OPEN_MS one trial call goes through (half-open), and its
 * success closes it. A decline or a 4xx is an answer, not a failure of the gateway.
 */
export function createGatewayBreaker(opts: { failures: number; halfOpenAfterMs: number; isGatewayFailure: (err: Error) => boolean }, onChange: (state: BreakerStateName) => void): CircuitBreakerPolicy {
  const policy = circuitBreaker(handleWhen(opts.isGatewayFailure), { halfOpenAfter: opts.halfOpenAfterMs, breaker: new ConsecutiveBreaker(opts.failures) });
  policy.onStateChange((state) => onChange(STATE_NAMES[state] ?? 'closed'));
  return policy;
}

/** The breaker refused the call without trying it. */
export function isBreakerRejection(err: unknown): boolean {
  return err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError;
}
