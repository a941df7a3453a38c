import { setTimeout as sleep } from 'node:timers/promises';
import { REPLICA_IDS, type FaultRequest, type ReplicaId } from '@ftlab/shared';
import { injectFault } from '../lib/fault-api';
import { waitAllOn } from '../lib/replicas-on';
import { medianOf, type LatencySummary } from '../lib/latency';
import { fixed, formatTable, percent } from '../lib/table';
import type { TallySummary, WindowSummary } from '../load';
import { measureNoiseFloor } from './noise-floor';
import type { TargetSystem } from '../lib/target-system';
import { runBench, runReads, withReadBench } from './options';
import { medianReadStats } from './read-stats';
import { environment, provenanceLines, verdict, writeBenchReport } from './report';

/**
 * `npm run bench:voter`: voter read latency at a fixed open-loop rate with no fault, then with
 * each single-replica fault in turn. The goal is that one misbehaving replica does not show in
 * the read tail: p99 ≤ 25 ms during any fault. Wrong answers are checked against the replicas'
 * committed rows (load/wrong-answers.ts). Every fault is cleared, and every replica back ON per
 * the monitor, before the next scenario starts.
 */

const GOAL_P99_MS = 25;
const ALL_ON_TIMEOUT_MS = 90_000;

interface Scenario {
  name: string;
  fault?: { instance: ReplicaId; request: FaultRequest };
}

const SCENARIOS: Scenario[] = [
  { name: 'no fault' },
  { name: 'latency 1200 ms on 2', fault: { instance: '2', request: { type: 'latency', latency_ms: 1200 } } },
  { name: 'intermittent 0.5 on 3', fault: { instance: '3', request: { type: 'intermittent', probability: 0.5 } } },
  { name: 'incorrect PROD-001 on 1', fault: { instance: '1', request: { type: 'incorrect', product_id: 'PROD-001' } } },
  { name: 'crash 1', fault: { instance: '1', request: { type: 'crash' } } },
];

interface ScenarioRun {
  scenario: string;
  run: number;
  totals: TallySummary;
  /** The generator's own lateness: when it is large, the machine (not the voter) set the pace. */
  dispatch_lag_ms: LatencySummary;
  windows: WindowSummary[];
}

/** Clears every replica (a crashed one restarts clean) and waits until the monitor has all ON. */
async function resetFaults(sut: TargetSystem): Promise<void> {
  await Promise.all(REPLICA_IDS.map((id) => injectFault(sut.endpoints, sut.adminToken, id, { type: 'clear' }).catch(() => undefined)));
  await waitAllOn(sut.endpoints, { timeoutMs: ALL_ON_TIMEOUT_MS });
}

async function measure(sut: TargetSystem, scenario: Scenario, rps: number, durationS: number): Promise<Omit<ScenarioRun, 'run'>> {
  await resetFaults(sut);
  if (scenario.fault) await injectFault(sut.endpoints, sut.adminToken, scenario.fault.instance, scenario.fault.request);
  const report = await runReads(sut.endpoints, sut.databaseUrl, rps, durationS);
  return { scenario: scenario.name, totals: report.totals, dispatch_lag_ms: report.dispatch_lag_ms, windows: report.windows };
}

async function main(): Promise<void> {
  await withReadBench(
    'voter',
    'Voter read latency with no fault and with each single-replica fault.',
    { duration: 'seconds per scenario run', warmup: 'seconds of unmeasured reads first' },
    async (sut, { opts, command, logger, logDir }) => {
      if (opts.warmup > 0) {
        logger.info({ seconds: opts.warmup, system: sut.description }, 'warm-up');
        await measure(sut, SCENARIOS[0]!, opts.rps, opts.warmup);
      }
      const runs: ScenarioRun[] = [];
      // Scenarios interleaved run by run, so a drift of the machine's load spreads over all of them.
      for (let run = 1; run <= opts.runs; run++) {
        for (const scenario of SCENARIOS) {
          logger.info({ run, scenario: scenario.name, rps: opts.rps, seconds: opts.duration }, 'measuring');
          runs.push({ run, ...(await measure(sut, scenario, opts.rps, opts.duration)) });
        }
      }
      await resetFaults(sut);
      // Let the last crash's restart settle before the system is stopped or handed back.
      await sleep(500);
      logger.info('noise floor: the same reads against a trivial local server');
      const floor = await measureNoiseFloor(opts.rps, Math.min(opts.duration, 10));

      const rows = SCENARIOS.map((scenario) => {
        const mine = runs.filter((r) => r.scenario === scenario.name);
        return {
          scenario: scenario.name,
          faulty: scenario.fault !== undefined,
          ...medianReadStats(mine.map((r) => r.totals)),
          generator_lag_p99_ms: medianOf(mine.map((r) => r.dispatch_lag_ms.p99_ms)),
        };
      });
      const faulty = rows.filter((r) => r.faulty);
      const worst = faulty.reduce((a, b) => ((b.p99_ms ?? Infinity) > (a.p99_ms ?? Infinity) ? b : a), faulty[0]!);
      const met = faulty.every((r) => r.p99_ms !== null && r.p99_ms <= GOAL_P99_MS);
      const result = {
        benchmark: 'voter',
        command,
        system: sut.description,
        environment: environment(),
        settings: opts,
        goal: { p99_ms_during_any_fault: `<= ${GOAL_P99_MS}`, worst_scenario: worst.scenario, worst_p99_ms: worst.p99_ms, met },
        noise_floor_ms: floor,
        scenarios: rows,
        runs,
      };
      const file = writeBenchReport('voter', result);

      const table = formatTable(
        ['scenario', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'success', 'quorum', 'wrong/judged', 'gen lag p99 ms', `p99 ≤ ${GOAL_P99_MS} ms`],
        rows.map((r) => [
          r.scenario,
          fixed(r.p50_ms, 2),
          fixed(r.p99_ms, 2),
          fixed(r.p999_ms, 2),
          fixed(r.max_ms, 1),
          percent(r.success_rate),
          percent(r.quorum_rate),
          `${r.wrong}/${r.judged}`,
          fixed(r.generator_lag_p99_ms, 2),
          verdict(r.p99_ms === null ? null : r.p99_ms <= GOAL_P99_MS),
        ]),
      );
      process.stdout.write(
        [
          '',
          `voter reads at ${opts.rps}/s, ${opts.duration} s per scenario, medians of ${opts.runs} runs (latency from the scheduled send time):`,
          table,
          '',
          `goal: p99 ≤ ${GOAL_P99_MS} ms during any single-replica fault: ${verdict(met)} (worst: ${worst.scenario}, p99 ${fixed(worst.p99_ms, 2)} ms)`,
          `noise floor (same reads against a trivial local server): p50 ${fixed(floor.p50_ms, 2)} ms, p99 ${fixed(floor.p99_ms, 2)} ms, max ${fixed(floor.max_ms, 1)} ms`,
          ...provenanceLines({ system: sut.description, environment: result.environment, file, command }),
          '',
        ].join('\n'),
      );
    },
  );
}

runBench('bench:voter', main);
