import type { ReplicaId } from '@ftlab/shared';
import type { Expectation } from '../scenarios/expectation';
import type { Figure } from '../scenarios/figures';
import type { VerdictJson } from '../checker/render';
import type { FaultSpec, FaultType, InjectedFault } from './plan';
import { readMetrics, samplesIn, samplesInAny, type ReadMetrics, type ReadSample, type TimeWindow } from './read-metrics';
import { summarize, type Summary } from './stats';
import { evaluateTargets, type TargetResult } from './targets';

/** The shape of report.json, and the pure steps that turn trials and samples into it. */

/**
 * resolved: detected, then back ON. not_ready: the replicas were not all ON before injecting.
 * spoiled: the replica turned OFF on its own just before the fault landed, so no detection can be
 * attributed to the fault (the trial is repeated). not_detected / not_resolved: a timeout at that
 * step. error: an HTTP or database call failed.
 */
export type TrialOutcome = 'resolved' | 'not_ready' | 'spoiled' | 'not_detected' | 'not_resolved' | 'error';

export interface TrialResult {
  trial: number;
  outcome: TrialOutcome;
  fault_id: number | null;
  /** failure_audit.cause: how the monitor saw the fault (crash, timeout, http_error, incorrect_response). */
  cause: string | null;
  /** Database clock, ISO 8601. */
  injected_at: string | null;
  detected_at: string | null;
  cleared_at: string | null;
  resolved_at: string | null;
  /** From failure_audit, computed by Postgres: detected_at − injected_at and resolved_at − injected_at. */
  ttd_ms: number | null;
  ttr_ms: number | null;
  /** The fault window, injection → resolved (or the trial's end), in local epoch ms. */
  window: TimeWindow | null;
  reads: ReadMetrics | null;
  error?: string;
  /** Earlier attempts of this trial that were spoiled and repeated (their faults were cleared). */
  discarded?: { fault_id: number | null; reason: string }[];
}

/** A trial before anything is known: an error until a step records more, so a trial that throws still reports. */
export function emptyTrial(trial: number): TrialResult {
  return {
    trial,
    outcome: 'error',
    fault_id: null,
    cause: null,
    injected_at: null,
    detected_at: null,
    cleared_at: null,
    resolved_at: null,
    ttd_ms: null,
    ttr_ms: null,
    window: null,
    reads: null,
  };
}

export interface FaultReport {
  type: FaultType;
  instance_id: ReplicaId;
  request: InjectedFault;
  trials: TrialResult[];
  ttd_ms: Summary | null;
  ttr_ms: Summary | null;
  /** Reads of every trial's fault window together. */
  reads: ReadMetrics;
  targets: TargetResult[];
}

export interface BaselineReport {
  window: TimeWindow;
  reads: ReadMetrics;
  targets: TargetResult[];
}

export interface ReplicaHistory {
  instance_id: ReplicaId;
  /** OFF periods from failure_audit (detected_at → resolved_at, or the end of the run), local epoch ms. */
  off: TimeWindow[];
}

export interface ExperimentReport {
  started_at: string;
  finished_at: string;
  config: Record<string, unknown>;
  system: Record<string, unknown>;
  baseline: BaselineReport;
  faults: FaultReport[];
  /** The load generator's own totals for the whole run. */
  load: Record<string, unknown>;
  replicas: ReplicaHistory[];
  targets_met: number;
  targets_total: number;
  /** The history checker's verdict on what the load's clients were told (checker/check.ts). */
  history_check: VerdictJson;
  /** The failures below the services, each played as its demo is (scenarios/), with its own history check. */
  scenarios: ScenarioReport[];
}

export interface ScenarioReport {
  name: string;
  source: string;
  summary: string;
  expectations: Expectation[];
  /** What it measured beyond its expectations (the gateway's breaker, emails delivered late...); empty for most. */
  figures: Figure[];
  history_check: VerdictJson;
  /** Last fault cleared → every replica ON again, ms; null when it never was. */
  whole_again_ms: number | null;
  ok: boolean;
  /** Why the scenario could not be played, when it could not. */
  error?: string;
}

/** Fills in each trial's read metrics from its window. */
function withReadMetrics(trial: TrialResult, samples: readonly ReadSample[]): TrialResult {
  return { ...trial, reads: trial.window ? readMetrics(samplesIn(samples, trial.window)) : null };
}

export function buildFaultReport(spec: FaultSpec, trials: readonly TrialResult[], samples: readonly ReadSample[]): FaultReport {
  const measured = trials.map((t) => withReadMetrics(t, samples));
  const ttd = summarize(measured.map((t) => t.ttd_ms));
  const reads = readMetrics(samplesInAny(samples, measured.flatMap((t) => (t.window ? [t.window] : []))));
  const undetected = measured.filter((t) => t.ttd_ms === null).length;
  return {
    type: spec.type,
    instance_id: spec.instance_id,
    request: spec.request,
    trials: measured,
    ttd_ms: ttd,
    ttr_ms: summarize(measured.map((t) => t.ttr_ms)),
    reads,
    targets: evaluateTargets({ reads, detection: { ttd, trials: measured.length, undetected } }),
  };
}

export function buildBaselineReport(window: TimeWindow, samples: readonly ReadSample[]): BaselineReport {
  const reads = readMetrics(samplesIn(samples, window));
  return { window, reads, targets: evaluateTargets({ reads }) };
}

export function countTargets(baseline: BaselineReport, faults: readonly FaultReport[]): { met: number; total: number } {
  const all = [...baseline.targets, ...faults.flatMap((f) => f.targets)];
  return { met: all.filter((t) => t.met).length, total: all.length };
}
