import { medianOf } from '../lib/latency';
import type { TallySummary } from '../load';

/**
 * One row of a read bench's table: the medians over its runs of the same reads. The benches
 * repeat each measurement and report medians so that one run the machine slowed down does not
 * decide the verdict; wrong answers are summed, because a single one matters.
 */
export interface ReadStats {
  p50_ms: number | null;
  p99_ms: number | null;
  p999_ms: number | null;
  max_ms: number | null;
  success_rate: number | null;
  quorum_rate: number | null;
  wrong: number;
  judged: number;
  p99_per_run_ms: (number | null)[];
}

export function medianReadStats(runs: readonly TallySummary[]): ReadStats {
  const m = (pick: (t: TallySummary) => number | null | undefined) => medianOf(runs.map(pick));
  return {
    p50_ms: m((t) => t.latency_ms.p50_ms),
    p99_ms: m((t) => t.latency_ms.p99_ms),
    p999_ms: m((t) => t.latency_ms.p999_ms),
    max_ms: m((t) => t.latency_ms.max_ms),
    success_rate: m((t) => t.success_rate),
    quorum_rate: m((t) => t.reads?.quorum_rate),
    wrong: runs.reduce((sum, t) => sum + (t.reads?.wrong ?? 0), 0),
    judged: runs.reduce((sum, t) => sum + (t.reads?.judged ?? 0), 0),
    p99_per_run_ms: runs.map((t) => t.latency_ms.p99_ms),
  };
}
