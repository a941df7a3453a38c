import { atMost, equals } from '../scenarios/expectation';
import { checkHistory } from '../checker/check';
import { goodHistory } from '../checker/history.fixture';
import { verdictJson } from '../checker/render';
import { FAULT_PLAN } from './plan';
import type { ReadSample } from './read-metrics';
import { buildBaselineReport, buildFaultReport, countTargets, emptyTrial, type ExperimentReport, type TrialResult } from './report';

/** Shared fixtures for the pure modules' unit tests: a small, fully known run. */

export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

/** 20 reads per second from T0 for `seconds`, each taking `latency(at)` ms and answered 200 with quorum. */
export function steadyReads(seconds: number, latency: (at: number) => number = () => 2): ReadSample[] {
  return Array.from({ length: seconds * 20 }, (_, i) => {
    const at = T0 + i * 50;
    return { at, latencyMs: latency(at), status: 200, quorum: true, wrong: false };
  });
}

export function resolvedTrial(trial: number, startS: number, ttd: number, ttr: number): TrialResult {
  const injected = T0 + startS * 1000;
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    trial,
    outcome: 'resolved',
    fault_id: 100 + trial,
    cause: 'timeout',
    injected_at: iso(injected),
    detected_at: iso(injected + ttd),
    cleared_at: iso(injected + ttd + 5),
    resolved_at: iso(injected + ttr),
    ttd_ms: ttd,
    ttr_ms: ttr,
    window: { start: injected, end: injected + ttr },
    reads: null,
  };
}

export function timedOutTrial(trial: number): TrialResult {
  return {
    ...emptyTrial(trial),
    outcome: 'not_detected',
    fault_id: 200 + trial,
    injected_at: new Date(T0).toISOString(),
    error: 'no failure_audit row within 15000 ms',
  };
}

/** A whole report: a 10 s baseline, then each fault type once, 10 s apart. */
export function sampleReport(): ExperimentReport {
  const samples = steadyReads(60);
  const baseline = buildBaselineReport({ start: T0, end: T0 + 10_000 }, samples);
  const faults = FAULT_PLAN.map((spec, i) => buildFaultReport(spec, [resolvedTrial(1, 12 + i * 10, 300 + i * 100, 2000)], samples));
  const { met, total } = countTargets(baseline, faults);
  return {
    started_at: new Date(T0).toISOString(),
    finished_at: new Date(T0 + 60_000).toISOString(),
    config: { trials: 1, quick: true },
    system: { node: 'v20', started_by_experiment: true },
    baseline,
    faults,
    load: { reads: samples.length },
    replicas: [
      { instance_id: '1', off: [{ start: T0 + 12_300, end: T0 + 14_000 }] },
      { instance_id: '2', off: [] },
      { instance_id: '3', off: [] },
    ],
    targets_met: met,
    targets_total: total,
    history_check: verdictJson(checkHistory(goodHistory())),
    scenarios: [
      {
        name: 'db-flapping',
        source: 'seed 004: database flapping',
        summary: 'connections terminated at random for 15 s',
        expectations: [equals('process crashes', 0, 0), atMost('decision p99 during the fault', 5593, 10_000, 'ms')],
        figures: [],
        history_check: verdictJson(checkHistory(goodHistory())),
        whole_again_ms: 1234,
        ok: true,
      },
    ],
  };
}
