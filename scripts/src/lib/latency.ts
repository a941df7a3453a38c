import * as hdr from 'hdr-histogram-js';

/**
 * Latency percentiles from an HDR histogram: constant memory however many requests, and every
 * percentile within 0.1 % of the true value (3 significant digits), the tail included.
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
    return this.count === 0 ? null : round(this.histogram.getValueAtPercentile(p) / 1000);
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

/** Percentiles of a list of latencies (e.g. decision times read from the database). */
export function summarizeLatencies(values: Iterable<number>): LatencySummary {
  const histogram = new LatencyHistogram();
  for (const ms of values) histogram.record(ms);
  return histogram.summary();
}
