import { percentilesOf } from '../lib/latency';

/** Order statistics over a handful of trials. Pure. */

export interface Summary {
  min: number;
  median: number;
  p95: number;
  max: number;
}

/**
 * min/median/p95/max of the finite values, or null when there are none (every trial timed out).
 * Percentiles by the tools' one definition (lib/latency.ts: nearest rank), so with five trials
 * the p95 is the worst trial.
 */
export function summarize(values: Iterable<number | null | undefined>): Summary | null {
  const finite = [...values].filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const at = percentilesOf(finite, [50, 95]);
  if (!at) return null;
  return { min: Math.min(...finite), median: at[50], p95: at[95], max: Math.max(...finite) };
}
