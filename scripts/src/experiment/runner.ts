import { setTimeout as sleep } from 'node:timers/promises';
import { REPLICA_IDS, createPool, type Logger } from '@ftlab/shared';
import { injectFault } from '../lib/fault-api';
import { waitAllOn } from '../lib/replicas-on';
import { clientEndpoints, type Via } from '../lib/via';
import type { LoadReport } from '../load';
import { checkRun, orderLogOf, uncheckedVerdict } from '../checker/run-check';
import { trialFaults } from './trial-faults';
import { SCENARIOS } from '../scenarios';
import { runScenario } from '../scenarios/run';
import { OperationRecorder } from '../checker/recorder';
import { auditSince, instanceStatuses, measureDbClock, offPeriods } from './audit';
import { STANDARD_LOAD, loadSummary, readSamples, startLoad, type StandardLoad } from './load';
import { FAULT_PLAN, type FaultSpec, type FaultType } from './plan';
import { latencyBuckets, type ReadSample, type TimeWindow } from './read-metrics';
import { buildBaselineReport, buildFaultReport, countTargets, type ExperimentReport, type ScenarioReport, type TrialResult } from './report';
import { loadAverage, systemInfo } from './system-info';
import type { TargetSystem } from '../lib/target-system';
import type { TimelineInput } from './timeline-svg';
import { runTrial, type TrialContext, type TrialTimings } from './trial';
import { paymentLedgerUrl } from '../lib/system';

/**
 * The experiment: standard load throughout; a baseline; then N trials of each fault, interleaved
 * (crash, latency, intermittent, incorrect, crash, ...) so that repeated crashes of replica 1
 * are spread out instead of back to back (the supervisor backs off restarts that follow each
 * other quickly, which would measure its backoff rather than recovery).
 */

export interface ExperimentConfig {
  trials: number;
  quick: boolean;
  /** Demo scenarios played after the replica faults (scenarios/), each with its own history check. */
  scenarios: string[];
  /**
   * Load before the baseline starts, once every replica is ON: fresh processes are slow for their
   * first seconds (JIT, connection pools), and that start-up is not the steady state to compare with.
   */
  warmupMs: number;
  baselineMs: number;
  timings: TrialTimings;
  load: StandardLoad;
  /** Where the standard load's reads and orders go (faults and probes always go to the services). */
  via: Via;
  /** Width of the chart's latency buckets. */
  bucketMs: number;
}

export function experimentConfig(trials: number, quick: boolean, scenarios: string[] = [], viaChoice: Via = 'direct'): ExperimentConfig {
  return {
    trials,
    via: viaChoice,
    quick,
    scenarios,
    warmupMs: quick ? 3000 : 10_000,
    baselineMs: quick ? 5000 : 20_000,
    timings: {
      settleMs: quick ? 1000 : 2000,
      readyTimeoutMs: 60_000,
      detectTimeoutMs: 15_000,
      resolveTimeoutMs: 60_000,
      pollMs: 20,
    },
    load: STANDARD_LOAD,
    bucketMs: 250,
  };
}

export interface ExperimentRun {
  report: ExperimentReport;
  timeline: TimelineInput;
  reads: ReadSample[];
  load: LoadReport;
  aborted: boolean;
}

export async function runExperiment(
  target: TargetSystem,
  config: ExperimentConfig,
  opts: { logger: Logger; startedAt: Date; signal?: AbortSignal },
): Promise<ExperimentRun> {
  const { logger, startedAt, signal } = opts;
  const pool = createPool(target.databaseUrl, 2);
  try {
    const clock = await measureDbClock(pool);
    const system = await systemInfo(target, clock);
    const trials = new Map<FaultType, TrialResult[]>(FAULT_PLAN.map((f) => [f.type, []]));
    const ctx = { endpoints: target.endpoints, adminToken: target.adminToken, pool, clock, timings: config.timings, logger, signal };

    logger.info({ reads_per_s: config.load.readRps, orders_per_s: config.load.orderRps, via: config.via }, 'starting the standard load');
    // What every client of the load was told, for the history check at the end.
    const recorder = new OperationRecorder();
    const load = startLoad(clientEndpoints(target.endpoints, config.via), target.databaseUrl, config.load, recorder.onLoadAnswer);
    const loadStart = Date.now();
    let baseline: TimeWindow = { start: loadStart, end: loadStart };
    let aborted = false;
    let loadReport: LoadReport;
    // The chart and OFF periods end when the load is told to stop, not after the answers still in flight drain.
    let end = loadStart;
    try {
      await waitAllOn(target.endpoints, { settleMs: config.timings.settleMs, timeoutMs: config.timings.readyTimeoutMs, signal });
      logger.info({ seconds: config.warmupMs / 1000 }, 'warm-up');
      await sleep(config.warmupMs, undefined, { signal });
      const baselineStart = Date.now();
      baseline = { start: baselineStart, end: baselineStart + config.baselineMs };
      logger.info({ seconds: config.baselineMs / 1000 }, 'baseline');
      await sleep(config.baselineMs, undefined, { signal });
      for (let n = 1; n <= config.trials; n++) {
        for (const spec of FAULT_PLAN) {
          trials.get(spec.type)!.push(await runAttempts(spec, n, ctx));
        }
      }
      // Let the last recovery show on the chart before the load stops.
      await sleep(config.timings.settleMs, undefined, { signal });
    } catch (err) {
      if (!signal?.aborted) throw err;
      aborted = true;
      logger.warn('interrupted: clearing faults and writing what was measured');
      await clearEverything(target, logger);
    } finally {
      end = Date.now();
      loadReport = await load.stop();
    }

    const [audit, statuses] = await Promise.all([auditSince(pool, clock.toDb(loadStart)), instanceStatuses(pool)]);
    const replicas = offPeriods(audit, statuses, clock, loadStart, end);
    const reads = readSamples(loadReport.samples);
    const baselineReport = buildBaselineReport(baseline, reads);
    const faults = FAULT_PLAN.map((spec) => buildFaultReport(spec, trials.get(spec.type)!, reads));
    const { met, total } = countTargets(baselineReport, faults);
    const historyCheck = await checkRun(orderLogOf(target), pool, recorder, trialFaults(faults, clock), logger, undefined, paymentLedgerUrl(target.databaseUrl)).then(
      (run) => run.verdict,
      (err: Error) => uncheckedVerdict(err),
    );
    const report: ExperimentReport = {
      started_at: startedAt.toISOString(),
      finished_at: new Date(end).toISOString(),
      config: {
        trials_per_fault: config.trials,
        quick: config.quick,
        aborted,
        warmup_ms: config.warmupMs,
        baseline_ms: config.baselineMs,
        ...config.timings,
        via: config.via,
        reads_per_s: config.load.readRps,
        orders_per_s: config.load.orderRps,
        products: config.load.products,
        faults: FAULT_PLAN.map((f) => ({ type: f.type, instance_id: f.instance_id, request: f.request })),
        window: 'injection → resolved_at (back ON), local clock; DB times shifted by db_clock_offset_ms',
        quorum_rate: 'share of all reads answered 2xx by an agreed 2-of-3 majority',
      },
      system: { ...system, load_average_at_end: loadAverage() },
      baseline: baselineReport,
      faults,
      load: loadSummary(loadReport),
      replicas,
      targets_met: met,
      targets_total: total,
      history_check: historyCheck,
      scenarios: aborted ? [] : await playScenarios(target, config.scenarios, logger),
    };
    const timeline: TimelineInput = {
      title: `ft-lab experiment ${report.started_at}: ${config.trials} trial(s) per fault, ${met}/${total} targets met`,
      start: loadStart,
      end,
      bucketMs: config.bucketMs,
      buckets: latencyBuckets(reads, loadStart, config.bucketMs),
      faults: faults.flatMap((f) => f.trials.flatMap((t) => (t.window ? [{ type: f.type, label: `${f.type} #${t.trial}`, window: t.window }] : []))),
      replicas,
    };
    return { report, timeline, reads, load: loadReport, aborted };
  } finally {
    await pool.end();
  }
}

/**
 * The failures below the services, after the replica faults and with the standard load stopped:
 * each is played as its demo is, with its own load and its own history check. One that cannot
 * be played (no supervised broker, say) is reported as failed with the reason.
 */
async function playScenarios(target: TargetSystem, names: readonly string[], logger: Logger): Promise<ScenarioReport[]> {
  const reports: ScenarioReport[] = [];
  for (const name of names) {
    const scenario = SCENARIOS.find((s) => s.name === name)!;
    logger.info({ scenario: name }, 'scenario');
    const common = { name, source: scenario.source, summary: scenario.summary };
    try {
      const outcome = await runScenario(scenario, target, logger);
      reports.push({ ...common, expectations: outcome.expectations, figures: outcome.figures, history_check: outcome.history, whole_again_ms: outcome.wholeAgainMs, ok: outcome.ok });
    } catch (err) {
      logger.error({ scenario: name, err: (err as Error).message }, 'scenario could not be played');
      reports.push({ ...common, expectations: [], figures: [], history_check: uncheckedVerdict(err as Error), whole_again_ms: null, ok: false, error: (err as Error).message });
    }
  }
  return reports;
}

/** A trial spoiled by a coincident spontaneous failure is repeated, a few times at most, keeping a record. */
const MAX_ATTEMPTS = 3;

async function runAttempts(spec: FaultSpec, n: number, ctx: TrialContext): Promise<TrialResult> {
  const discarded: { fault_id: number | null; reason: string }[] = [];
  for (;;) {
    const result = await runTrial(spec, n, ctx);
    if (result.outcome !== 'spoiled' || discarded.length + 1 >= MAX_ATTEMPTS) {
      return discarded.length > 0 ? { ...result, discarded } : result;
    }
    discarded.push({ fault_id: result.fault_id, reason: result.error ?? 'spoiled' });
  }
}

/** After an interrupt mid-trial: no replica may be left with a fault we injected. */
async function clearEverything(target: TargetSystem, logger: Logger): Promise<void> {
  await Promise.all(
    REPLICA_IDS.map((id) =>
      injectFault(target.endpoints, target.adminToken, id, { type: 'clear' }, { timeoutMs: 3000 }).catch((err: Error) =>
        logger.warn({ instance_id: id, err: err.message }, 'could not clear'),
      ),
    ),
  );
}
