import * as hdr from 'hdr-histogram-js';

/**
 * The one definition of a percentile in the tools: HdrHistogram's. The p-th percentile is the
 * smallest recorded value that at least p % of the values are at or below (nearest rank), given
 * as the upper end of that value's bucket, but never beyond the largest value recorded (which
 * is kept exactly). Two precisions of it:
 * - latency streams (load tester, read metrics): µs to 3 significant digits, so every percentile
 *   is within 0.1 % of the true value, the tail included, in constant memory however many requests;
 * - a handful of numbers (trials, benchmark runs, rates too): 5 significant digits, exact at
 *   anything a report prints.
 */

export interface LatencySummary {
  count: number;
  mean_ms: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  p999_ms: number | null;
  max_ms: number | null;
}

/** Recorded in microseconds: sub-ms reads stay distinguishable. One hour is far beyond any timeout. */
const MAX_US = 3_600_000_000;

const round = (ms: number) => Math.round(ms * 1000) / 1000;

export class LatencyHistogram {
  private readonly histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: MAX_US, numberOfSignificantValueDigits: 3 });

  record(ms: number): void {
    this.histogram.recordValue(Math.min(MAX_US, Math.max(1, Math.round(ms * 1000))));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** ms at a percentile (0-100), or null when nothing was recorded. */
  percentile(p: number): number | null {
    return this.count === 0 ? null : round(atPercentile(this.histogram, p) / 1000);
  }

  summary(): LatencySummary {
    if (this.count === 0) return { count: 0, mean_ms: null, p50_ms: null, p95_ms: null, p99_ms: null, p999_ms: null, max_ms: null };
    return {
      count: this.count,
      mean_ms: round(this.histogram.mean / 1000),
      p50_ms: this.percentile(50),
      p95_ms: this.percentile(95),
      p99_ms: this.percentile(99),
      p999_ms: this.percentile(99.9),
      max_ms: round(this.histogram.maxValue / 1000),
    };
  }
}

/** The bucket's upper end can lie beyond every recorded value; the largest recorded value is exact and tighter. */
function atPercentile(histogram: hdr.Histogram, p: number): number {
  return Math.min(histogram.getValueAtPercentile(p), histogram.maxValue);
}

/** Percentiles of a list of latencies (e.g. decision times read from the database). */
export function summarizeLatencies(values: Iterable<number>): LatencySummary {
  const histogram = new LatencyHistogram();
  for (const ms of values) histogram.record(ms);
  return histogram.summary();
}

/** Small samples are recorded in millionths of their unit (ms or a rate alike). */
const SAMPLE_SCALE = 1_000_000;

/**
 * Percentiles (0-100) of a few numbers (≥ 0), by the same definition; missing and non-finite
 * values are left out, and the result is null when none is left. The histogram picks the rank;
 * the answer is the value recorded there, so a few numbers give exact percentiles.
 */
export function percentilesOf<P extends number>(values: Iterable<number | null | undefined>, ps: readonly P[]): Record<P, number> | null {
  const recorded = [...values].filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (recorded.length === 0) return null;
  const histogram = hdr.build({ bitBucketSize: 'packed', autoResize: true, numberOfSignificantValueDigits: 5 });
  for (const v of recorded) histogram.recordValue(Math.max(0, Math.round(v * SAMPLE_SCALE)));
  const valueAt = (p: number) => {
    const bucketTop = atPercentile(histogram, p) / SAMPLE_SCALE;
    let answer = recorded[0]!;
    for (const v of recorded) {
      if (v > bucketTop) break;
      answer = v;
    }
    return answer;
  };
  return Object.fromEntries(ps.map((p) => [p, valueAt(p)])) as Record<P, number>;
}

/** The median of a few numbers, by the same definition; null when there are none. */
export function medianOf(values: Iterable<number | null | undefined>): number | null {
  return percentilesOf(values, [50])?.[50] ?? null;
}
