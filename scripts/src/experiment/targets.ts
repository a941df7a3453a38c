import type { ReadMetrics } from './read-metrics';
import type { Summary } from './stats';

/**
 * The bars a run is judged against: the seed assignment's four, and our own stricter ones. Each
 * is a measurement plus a test, so report.json and report.md state the same verdicts.
 */

const TTD_TARGET_MS = 1000;
const P95_TARGET_MS = 1000;
const AVAILABILITY_TARGET = 0.99;
const QUORUM_TARGET = 0.95;
const VOTER_P99_TARGET_MS = 25;

export type TargetSource = 'seed' | 'ours';
export type TargetUnit = 'ms' | 'share' | 'count';

export interface TargetResult {
  id: string;
  label: string;
  source: TargetSource;
  /** Human-readable bar, e.g. "< 1000 ms". */
  threshold: string;
  unit: TargetUnit;
  /** null when there was nothing to measure (no reads, or no trial detected): always a miss. */
  measured: number | null;
  met: boolean;
  note?: string;
}

export interface TargetInput {
  reads: ReadMetrics;
  /** TTD of the fault's trials; absent for the baseline, which has no fault to detect. */
  detection?: { ttd: Summary | null; trials: number; /** Trials without a TTD, whatever the reason. */ undetected: number };
}

interface TargetDef {
  id: string;
  label: string;
  source: TargetSource;
  /** Human-readable bar, e.g. "< 1000 ms", and the test it stands for: one bound, said once. */
  threshold: string;
  unit: TargetUnit;
  needsDetection: boolean;
  measure(input: TargetInput): number | null;
  passes(value: number): boolean;
}

type Comparison = '<' | '≤' | '>' | '=';
const COMPARE: Record<Comparison, (v: number, bound: number) => boolean> = {
  '<': (v, b) => v < b,
  '≤': (v, b) => v <= b,
  '>': (v, b) => v > b,
  '=': (v, b) => v === b,
};
const SHOWN: Record<TargetUnit, (bound: number) => string> = { ms: (b) => `${b} ms`, share: (b) => `${b * 100} %`, count: (b) => `${b}` };

/** A target whose threshold text and test both come from one comparison with one bound. */
function bar(
  def: Omit<TargetDef, 'threshold' | 'passes' | 'needsDetection'> & { needsDetection?: boolean },
  comparison: Comparison,
  bound: number,
): TargetDef {
  return { needsDetection: false, ...def, threshold: `${comparison} ${SHOWN[def.unit](bound)}`, passes: (v) => COMPARE[comparison](v, bound) };
}

const TARGETS: readonly TargetDef[] = [
  bar({ id: 'ttd_median', label: 'time to detect (median)', source: 'seed', unit: 'ms', needsDetection: true, measure: (i) => i.detection?.ttd?.median ?? null }, '<', TTD_TARGET_MS),
  bar({ id: 'read_p95', label: 'read latency p95', source: 'seed', unit: 'ms', measure: (i) => i.reads.p95_ms }, '<', P95_TARGET_MS),
  bar({ id: 'availability', label: 'availability (reads answered 2xx)', source: 'seed', unit: 'share', measure: (i) => i.reads.availability }, '>', AVAILABILITY_TARGET),
  bar({ id: 'quorum_rate', label: 'quorum rate', source: 'seed', unit: 'share', measure: (i) => i.reads.quorum_rate }, '>', QUORUM_TARGET),
  // With a handful of trials the worst one is the honest stand-in for a p99.
  bar({ id: 'ttd_max', label: 'time to detect (worst trial)', source: 'ours', unit: 'ms', needsDetection: true, measure: (i) => i.detection?.ttd?.max ?? null }, '<', TTD_TARGET_MS),
  bar({ id: 'wrong_answers', label: 'wrong answers', source: 'ours', unit: 'count', measure: (i) => i.reads.wrong_answers }, '=', 0),
  bar({ id: 'read_p99', label: 'voter read latency p99', source: 'ours', unit: 'ms', measure: (i) => i.reads.p99_ms }, '≤', VOTER_P99_TARGET_MS),
];

/** Every target that applies: detection targets only when there was a fault to detect. */
export function evaluateTargets(input: TargetInput): TargetResult[] {
  return TARGETS.filter((t) => !t.needsDetection || input.detection).map((t) => {
    const measured = t.measure(input);
    // A trial whose fault was never detected has no TTD; the summary of the others must not hide it.
    const undetected = t.needsDetection ? (input.detection?.undetected ?? 0) : 0;
    const met = measured !== null && t.passes(measured) && undetected === 0;
    // "Without a TTD" covers trials that timed out and trials that never got to inject (not_ready, spoiled, error).
    const note = undetected > 0 ? `${undetected} of ${input.detection!.trials} trials without a TTD` : measured === null ? 'nothing measured' : undefined;
    return { id: t.id, label: t.label, source: t.source, threshold: t.threshold, unit: t.unit, measured, met, ...(note ? { note } : {}) };
  });
}
