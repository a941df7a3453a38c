/** Order statistics over small samples (a handful of trials, a few thousand reads). Pure. */

export interface Summary {
  min: number;
  median: number;
  p95: number;
  max: number;
}

/**
 * The q-quantile (0..1) by linear interpolation between closest ranks (R's type 7, numpy's
 * default), so five trials give a p95 between the two largest rather than simply the maximum.
 * `sorted` must be ascending and non-empty.
 */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile of an empty sample');
  if (q < 0 || q > 1) throw new Error(`quantile out of range: ${q}`);
  const rank = (sorted.length - 1) * q;
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const below = sorted[lo]!;
  return below + (sorted[hi]! - below) * (rank - lo);
}

export function ascending(values: Iterable<number>): number[] {
  return [...values].sort((a, b) => a - b);
}

/** min/median/p95/max of the finite values, or null when there are none (every trial timed out). */
export function summarize(values: Iterable<number | null | undefined>): Summary | null {
  const finite = ascending([...values].filter((v): v is number => typeof v === 'number' && Number.isFinite(v)));
  if (finite.length === 0) return null;
  return {
    min: finite[0]!,
    median: quantileSorted(finite, 0.5),
    p95: quantileSorted(finite, 0.95),
    max: finite[finite.length - 1]!,
  };
}

/** A share in 0..1, or null for an empty denominator: "no reads" must not read as "100 % available". */
export function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}
