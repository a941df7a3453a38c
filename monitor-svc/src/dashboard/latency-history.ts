/** One point of the read-latency chart: the voter's percentiles over its own 10 s window, at time t. */
export interface LatencySample {
  /** Milliseconds since the epoch. */
  t: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** How far back the chart looks. */
export const HISTORY_WINDOW_MS = 120_000;

/**
 * The last two minutes of samples, kept by the monitor rather than the page so a reloaded or
 * reconnected page shows the chart at once instead of an empty one. A sample with null
 * percentiles is a gap (voter unreachable or no reads), drawn as a break in the lines.
 */
export class LatencyHistory {
  private readonly samples: LatencySample[] = [];

  constructor(private readonly windowMs = HISTORY_WINDOW_MS) {}

  add(sample: LatencySample): void {
    // Samples arrive in time order; one that does not (a clock step back) restarts the chart.
    if (this.samples.length > 0 && sample.t < this.samples.at(-1)!.t) this.samples.length = 0;
    this.samples.push(sample);
    const oldest = sample.t - this.windowMs;
    let drop = 0;
    while (drop < this.samples.length && this.samples[drop]!.t < oldest) drop++;
    this.samples.splice(0, drop);
  }

  list(): LatencySample[] {
    return [...this.samples];
  }
}
