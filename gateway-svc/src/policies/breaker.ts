import { BrokenCircuitError, circuitBreaker, handleWhen, IsolatedCircuitError, SamplingBreaker, TaskCancelledError, type CircuitBreakerPolicy } from 'cockatiel';
import { UpstreamError } from '../upstream-error';
import { breakerStateName, type BreakerStateName } from './breaker-state';

export interface BreakerOptions {
  /** Failure ratio (0-1] over `windowMs` that opens the breaker. */
  threshold: number;
  windowMs: number;
  /** Below this many calls a second the breaker stays closed: two failures of three are not an outage. */
  minimumRps: number;
  halfOpenAfterMs: number;
}

/**
 * What counts against an upstream: a 5xx, no connection, or no answer in time. A full bulkhead is
 * our own saturation, not the upstream's failure, and a 4xx is an answer.
 */
const upstreamFailure = (err: Error) => err instanceof UpstreamError || err instanceof TaskCancelledError;

/** A sampling breaker (cockatiel): open at `threshold` failures over the window, one trial call after `halfOpenAfterMs`. */
export function createBreaker(opts: BreakerOptions, onChange: (state: BreakerStateName) => void): CircuitBreakerPolicy {
  const policy = circuitBreaker(handleWhen(upstreamFailure), {
    halfOpenAfter: opts.halfOpenAfterMs,
    breaker: new SamplingBreaker({ threshold: opts.threshold, duration: opts.windowMs, minimumRps: opts.minimumRps }),
  });
  policy.onStateChange((state) => onChange(breakerStateName(state)));
  return policy;
}

/** The breaker refused the call without trying it (open, or half-open with its trial call out). */
export function isBreakerRejection(err: unknown): boolean {
  return err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError;
}
