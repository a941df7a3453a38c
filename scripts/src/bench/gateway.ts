import type { Endpoints } from '@ftlab/shared';
import { fixed, formatTable, percent } from '../lib/table';
import { startGateway } from '../lib/gateway-process';
import type { TallySummary } from '../load';
import { runBench, runReads, withReadBench } from './options';
import { medianReadStats } from './read-stats';
import { environment, provenanceLines, verdict, writeBenchReport } from './report';

/**
 * `npm run bench:gateway`: reads at a fixed open-loop rate straight to the voter and through
 * gateway-svc in front of it, the two interleaved run by run so that both meet the same
 * machine. Goal: the gateway adds at most 3 ms to the read p99. Its limits are set out of the
 * way: this measures the cost of the edge, not its refusals.
 */

const GOAL_ADDED_P99_MS = 3;
/** Below this share of reads answered on either path, the run measured the machine, not the gateway. */
const MIN_SUCCESS = 0.99;
const PATHS = ['straight to the voter', 'through the gateway'] as const;
type ReadPath = (typeof PATHS)[number];

async function reads(endpoints: Endpoints, databaseUrl: string, rps: number, durationS: number): Promise<TallySummary> {
  return (await runReads(endpoints, databaseUrl, rps, durationS)).totals;
}

async function main(): Promise<void> {
  await withReadBench(
    'gateway',
    'Read latency straight to the voter and through gateway-svc, side by side.',
    { duration: 'seconds per run and path', warmup: 'seconds of unmeasured reads on each path first' },
    async (sut, { opts, command, logger, logDir }) => {
      const gateway = await startGateway({
        name: 'gateway-bench',
        databaseUrl: sut.databaseUrl,
        endpoints: sut.endpoints,
        logDir,
        env: { GATEWAY_READ_RATE_PER_S: '100000', GATEWAY_READ_BURST: '0' },
      });
      try {
        // The load tool reads from endpoints.voter: the gateway answers the same reads there.
        const endpointsOf: Record<ReadPath, Endpoints> = { 'straight to the voter': sut.endpoints, 'through the gateway': { ...sut.endpoints, voter: gateway.url } };
        if (opts.warmup > 0) {
          logger.info({ seconds: opts.warmup }, 'warm-up');
          for (const p of PATHS) await reads(endpointsOf[p], sut.databaseUrl, opts.rps, opts.warmup);
        }
        const runs: { path: ReadPath; run: number; totals: TallySummary }[] = [];
        for (let run = 1; run <= opts.runs; run++) {
          for (const p of PATHS) {
            logger.info({ run, path: p, rps: opts.rps, seconds: opts.duration }, 'measuring');
            runs.push({ path: p, run, totals: await reads(endpointsOf[p], sut.databaseUrl, opts.rps, opts.duration) });
          }
        }
        const rows = PATHS.map((p) => ({ path: p, ...medianReadStats(runs.filter((r) => r.path === p).map((r) => r.totals)) }));
        const [straight, via] = rows as [(typeof rows)[number], (typeof rows)[number]];
        // Latencies of paths that mostly failed (timeouts of a saturated machine) compare nothing.
        const comparable = rows.every((r) => (r.success_rate ?? 0) >= MIN_SUCCESS);
        const added = comparable && straight.p99_ms !== null && via.p99_ms !== null ? via.p99_ms - straight.p99_ms : null;
        const met = added === null ? null : added <= GOAL_ADDED_P99_MS;
        const result = {
          benchmark: 'gateway',
          command,
          system: sut.description,
          environment: environment(),
          settings: opts,
          goal: { added_p99_ms: `<= ${GOAL_ADDED_P99_MS}`, measured_added_p99_ms: added, met },
          paths: rows,
          runs,
        };
        const file = writeBenchReport('gateway', result);
        const table = formatTable(
          ['path', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'success', 'wrong/judged'],
          rows.map((r) => [r.path, fixed(r.p50_ms, 2), fixed(r.p99_ms, 2), fixed(r.p999_ms, 2), fixed(r.max_ms, 1), percent(r.success_rate), `${r.wrong}/${r.judged}`]),
        );
        process.stdout.write(
          [
            '',
            `reads at ${opts.rps}/s, ${opts.duration} s per run and path, medians of ${opts.runs} runs (latency from the scheduled send time):`,
            table,
            '',
            comparable
              ? `goal: the gateway adds ≤ ${GOAL_ADDED_P99_MS} ms at p99: ${verdict(met)} (added ${fixed(added, 2)} ms)`
              : `goal: n/a: fewer than ${MIN_SUCCESS * 100} % of reads answered on a path, so the machine set the pace (see load_average)`,
            ...provenanceLines({ system: sut.description, environment: result.environment, file, command }),
            '',
          ].join('\n'),
        );
      } finally {
        await gateway.stop();
      }
    },
  );
}

runBench('bench:gateway', main);
