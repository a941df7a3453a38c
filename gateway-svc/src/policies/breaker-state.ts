import { CircuitState } from 'cockatiel';

/** Our names for cockatiel's breaker states, and the number /metrics shows for each (0 is healthy). */
export type BreakerStateName = 'closed' | 'open' | 'half_open' | 'isolated';

const NAMES: Record<CircuitState, BreakerStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'isolated',
};
const GAUGE: Record<BreakerStateName, number> = { closed: 0, open: 1, half_open: 2, isolated: 3 };

export function breakerStateName(state: CircuitState): BreakerStateName {
  return NAMES[state];
}

export function breakerGaugeValue(state: BreakerStateName): number {
  return GAUGE[state];
}

/**
 * Whether the upstream behind the breaker is out, as far as callers can know: open or isolated,
 * and half-open too, since only the one trial call is let through then.
 */
export function upstreamOut(state: BreakerStateName): boolean {
  return state !== 'closed';
}
