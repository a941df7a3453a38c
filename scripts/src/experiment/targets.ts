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
  threshold: string;
  unit: TargetUnit;
  needsDetection: boolean;
  measure(input: TargetInput): number | null;
  passes(value: number): boolean;
}

const TARGETS: readonly TargetDef[] = [
  {
    id: 'ttd_median',
    label: 'time to detect (median)',
    source: 'seed',
    threshold: `< ${TTD_TARGET_MS} ms`,
    unit: 'ms',
    needsDetection: true,
    measure: (i) => i.detection?.ttd?.median ?? null,
    passes: (v) => v < TTD_TARGET_MS,
  },
  {
    id: 'read_p95',
    label: 'read latency p95',
    source: 'seed',
    threshold: `< ${P95_TARGET_MS} ms`,
    unit: 'ms',
    needsDetection: false,
    measure: (i) => i.reads.p95_ms,
    passes: (v) => v < P95_TARGET_MS,
  },
  {
    id: 'availability',
    label: 'availability (reads answered 2xx)',
    source: 'seed',
    threshold: `> ${AVAILABILITY_TARGET * 100} %`,
    unit: 'share',
    needsDetection: false,
    measure: (i) => i.reads.availability,
    passes: (v) => v > AVAILABILITY_TARGET,
  },
  {
    id: 'quorum_rate',
    label: 'quorum rate',
    source: 'seed',
    threshold: `> ${QUORUM_TARGET * 100} %`,
    unit: 'share',
    needsDetection: false,
    measure: (i) => i.reads.quorum_rate,
    passes: (v) => v > QUORUM_TARGET,
  },
  {
    // With a handful of trials the worst one is the honest stand-in for a p99.
    id: 'ttd_max',
    label: 'time to detect (worst trial)',
    source: 'ours',
    threshold: `< ${TTD_TARGET_MS} ms`,
    unit: 'ms',
    needsDetection: true,
    measure: (i) => i.detection?.ttd?.max ?? null,
    passes: (v) => v < TTD_TARGET_MS,
  },
  {
    id: 'wrong_answers',
    label: 'wrong answers',
    source: 'ours',
    threshold: '= 0',
    unit: 'count',
    needsDetection: false,
    measure: (i) => i.reads.wrong_answers,
    passes: (v) => v === 0,
  },
  {
    id: 'read_p99',
    label: 'voter read latency p99',
    source: 'ours',
    threshold: `≤ ${VOTER_P99_TARGET_MS} ms`,
    unit: 'ms',
    needsDetection: false,
    measure: (i) => i.reads.p99_ms,
    passes: (v) => v <= VOTER_P99_TARGET_MS,
  },
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
