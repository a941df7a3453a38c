import path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { createHttpPool, createLogger, createPool, restockAccepted, SEED_PRODUCTS, type HttpPool, type Pool } from '@ftlab/shared';
import { collectList, numeric } from '../lib/args';
import { callJson } from '../lib/http';
import { ordersTarget } from '../lib/targets';
import { medianOf, summarizeLatencies, type LatencySummary } from '../lib/latency';
import { fixed, formatTable } from '../lib/table';
import { runLoad, scheduledCount } from '../load';
import { pollUntil } from '../lib/poll';
import type { TargetSystem } from '../lib/target-system';
import { addCommonOptions, commonBenchArgs, parseBenchArgs, runBench, withSystem } from './options';
import { summarizeClientOutcomes, type ClientOutcomeSummary, type FollowResult } from './client-outcome';
import { followOrder } from './follow-order';
import { benchProducts, orderTimings, productsOnEveryReplica, waitDecided } from './orders-db';
import { BENCH_DIR, commandLine, environment, verdict, writeBenchReport } from './report';

/**
 * `npm run bench:orders`: how many orders per second the system accepts and decides end to end,
 * and how long accept → decision takes at a fixed rate. POST /orders is driven open loop (see
 * load/schedule.ts) over many products, each restocked first so no order is rejected for stock;
 * decision times come from Postgres (orders.decided_at - created_at) for the accepted orders.
 * The latency runs also follow every accepted order as a client does (GET /orders/:id?wait= until
 * decided), on the three seed products (a flash sale) and on the benchmark's products, so the
 * server's accept → decision stands beside accept → outcome where the client sits.
 */

const GOAL_DECIDED_PER_S = 1000;
const GOAL_P99_MS = 250;
/** Issue 13: accept → outcome p99 as the client sees it, at the latency rate after the warm-up. */
const GOAL_CLIENT_P99_MS = { seed: 250, bench: 100 } as const;
const RESTOCK_QUANTITY = 1_000_000;

const args = z.object({
  ...commonBenchArgs,
  rates: z.array(numeric.pipe(z.number().positive().max(20_000))).min(1).default(['300', '600', '1000', '1500']),
  stepDuration: numeric.pipe(z.number().positive().max(600)),
  latencyRate: numeric.pipe(z.number().positive().max(20_000)),
  latencyDuration: numeric.pipe(z.number().positive().max(600)),
  products: numeric.pipe(z.number().int().min(1).max(5000)),
  warmup: numeric.pipe(z.number().min(0).max(600)),
});
const FLAGS = {
  rates: '--rates',
  stepDuration: '--step-duration',
  latencyRate: '--latency-rate',
  latencyDuration: '--latency-duration',
  products: '--products',
  warmup: '--warmup',
};

interface StepResult {
  rate: number;
  duration_s: number;
  accepted: number;
  /** POST /orders answered 202, per second of the schedule. */
  accepted_per_s: number;
  not_accepted: Record<string, number>;
  accept_latency_ms: LatencySummary;
  decided: number;
  undecided: number;
  by_status: Record<string, number>;
  /** Decided orders over the time from the first creation to the last decision. */
  decided_per_s: number | null;
  /** How long after the last order was created the last decision came: a growing backlog shows here. */
  drain_s: number | null;
  decision_latency_ms: LatencySummary;
  generator_lag_p99_ms: number | null;
  /** Accept → outcome where the client sits; null when the step did not follow its orders. */
  client: ClientOutcomeSummary | null;
}

const SEGMENTS = ['to_insert', 'insert_to_decision', 'decision_to_client'] as const;

/** A product set of the latency runs. */
interface ProductSet {
  key: keyof typeof GOAL_CLIENT_P99_MS;
  label: string;
  products: string[];
}

async function restockProducts(sut: TargetSystem, pool: Pool, products: string[]): Promise<void> {
  const orders = ordersTarget(sut.endpoints);
  // A few at a time: the restocks are setup, not load.
  for (let k = 0; k < products.length; k += 20) {
    await Promise.all(
      products.slice(k, k + 20).map((product_id) =>
        callJson(orders, '/admin/restock', restockAccepted, { method: 'POST', token: sut.adminToken, body: { product_id, quantity: RESTOCK_QUANTITY } }),
      ),
    );
  }
  await pollUntil(async () => (await productsOnEveryReplica(pool, products)) === products.length, {
    timeoutMs: 120_000,
    intervalMs: 250,
    what: `${products.length} products on every replica`,
    retryErrors: true,
  });
}

/**
 * One open-loop run of POST /orders; with `follow` (the long-polls' own pool, so they never queue
 * behind the POSTs or each other in the client) every accepted order is followed to its decision.
 */
async function measureStep(sut: TargetSystem, pool: Pool, products: string[], rate: number, durationS: number, follow?: HttpPool): Promise<StepResult> {
  const follows: Promise<FollowResult>[] = [];
  const onSample = follow ? (s: { orderId?: string }) => void (s.orderId && follows.push(followOrder(sut.endpoints.orders, s.orderId, follow))) : undefined;
  const report = await runLoad({ mode: 'create_order', rps: rate, durationS, products, endpoints: sut.endpoints, timeoutMs: 10_000, onSample });
  const followed = await Promise.all(follows);
  const ids = report.samples.flatMap((s) => (s.orderId ? [s.orderId] : []));
  const undecided = await waitDecided(pool, ids);
  const timings = await orderTimings(pool, ids);
  const client = follow ? summarizeClientOutcomes(report.samples, followed, timings) : null;
  const decided = timings.filter((t) => t.decidedMs !== null) as { status: string; createdMs: number; decidedMs: number }[];
  const firstCreated = Math.min(...timings.map((t) => t.createdMs));
  const lastCreated = Math.max(...timings.map((t) => t.createdMs));
  const lastDecided = Math.max(...decided.map((t) => t.decidedMs));
  const byStatus: Record<string, number> = {};
  for (const t of timings) byStatus[t.status] = (byStatus[t.status] ?? 0) + 1;
  const { ['202']: _accepted, ...notAccepted } = report.totals.status_codes;
  return {
    rate,
    duration_s: durationS,
    accepted: ids.length,
    accepted_per_s: Math.round((ids.length / durationS) * 10) / 10,
    not_accepted: notAccepted,
    accept_latency_ms: report.totals.latency_ms,
    decided: decided.length,
    undecided,
    by_status: byStatus,
    decided_per_s: decided.length > 0 ? Math.round((decided.length / ((lastDecided - firstCreated) / 1000)) * 10) / 10 : null,
    drain_s: decided.length > 0 ? Math.round(lastDecided - lastCreated) / 1000 : null,
    decision_latency_ms: summarizeLatencies(decided.map((t) => t.decidedMs - t.createdMs)),
    generator_lag_p99_ms: report.dispatch_lag_ms.p99_ms,
    client,
  };
}

function stepTable(steps: StepResult[]): string {
  return formatTable(
    ['rate/s', 'accepted/s', 'decided/s', 'drain s', 'undecided', 'accept p99 ms', 'decide p50 ms', 'decide p99 ms', 'gen lag p99 ms', 'not accepted'],
    steps.map((s) => [
      s.rate,
      fixed(s.accepted_per_s),
      fixed(s.decided_per_s),
      fixed(s.drain_s, 2),
      s.undecided,
      fixed(s.accept_latency_ms.p99_ms),
      fixed(s.decision_latency_ms.p50_ms),
      fixed(s.decision_latency_ms.p99_ms),
      fixed(s.generator_lag_p99_ms),
      Object.entries(s.not_accepted).map(([k, v]) => `${k}:${v}`).join(' ') || '-',
    ]),
  );
}

/** Server-side (Postgres timestamps) and client-side figures of the same orders, side by side. */
function latencyTable(steps: StepResult[]): string {
  return formatTable(
    ['run', 'accepted/s', 'accept p99 ms', 'server decide p50 ms', 'server decide p99 ms', 'client outcome p50 ms', 'client outcome p99 ms', 'extra polls', 'unresolved', 'gen lag p99 ms'],
    steps.map((s, k) => [
      k + 1,
      fixed(s.accepted_per_s),
      fixed(s.client?.accept_latency_ms.p99_ms),
      fixed(s.decision_latency_ms.p50_ms),
      fixed(s.decision_latency_ms.p99_ms),
      fixed(s.client?.outcome_latency_ms.p50_ms),
      fixed(s.client?.outcome_latency_ms.p99_ms),
      s.client?.extra_polls,
      s.client?.unresolved,
      fixed(s.generator_lag_p99_ms),
    ]),
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const program = addCommonOptions(new Command('bench:orders').description('Orders accepted and decided per second, accept→decision latency, and accept→outcome as a client sees it.'), 3)
    .option('--rates <list>', 'offered rates of the ramp, orders/s, comma-separated (default 300,600,1000,1500)', collectList)
    .option('--step-duration <s>', 'seconds per ramp step', '10')
    .option('--latency-rate <n>', 'fixed rate for the latency measurement (on the seed products and on --products), orders/s', '300')
    .option('--latency-duration <s>', 'seconds per latency run', '10')
    .option('--products <n>', 'products to spread the orders over', '200')
    .option('--warmup <s>', 'seconds of unmeasured load first', '5');
  const opts = parseBenchArgs(program, argv, args, FLAGS);
  if (!opts) return;
  const command = commandLine('bench:orders', argv);
  const logger = createLogger('bench-orders', undefined, 'info');
  process.stdout.write(`${command}\n`);

  await withSystem({ choice: opts.system, label: 'bench_orders', logger, logDir: path.join(BENCH_DIR, 'logs', 'orders') }, async (sut) => {
    const pool = createPool(sut.databaseUrl, 2);
    try {
      const products = benchProducts(opts.products);
      const productSets: ProductSet[] = [
        { key: 'seed', label: `${SEED_PRODUCTS.length} seed products`, products: SEED_PRODUCTS.map((p) => p.product_id) },
        { key: 'bench', label: `${products.length} products`, products },
      ];
      logger.info({ products: products.length + SEED_PRODUCTS.length, system: sut.description }, 'restocking the benchmark products');
      await restockProducts(sut, pool, [...products, ...productSets[0]!.products]);
      if (opts.warmup > 0) {
        logger.info({ seconds: opts.warmup }, 'warm-up');
        await measureStep(sut, pool, products, Math.min(200, opts.latencyRate), opts.warmup);
      }

      // Every ramp pass, then every latency run: a run's steps see the same warmed-up system state.
      const rampRuns: StepResult[][] = [];
      for (let run = 1; run <= opts.runs; run++) {
        const steps: StepResult[] = [];
        for (const rate of opts.rates) {
          logger.info({ run, rate, seconds: opts.stepDuration }, 'ramp step');
          steps.push(await measureStep(sut, pool, products, rate, opts.stepDuration));
        }
        rampRuns.push(steps);
      }
      // A connection per order a run sends at most: a saturated system holds every one of them in
      // a long poll, and a smaller pool would queue polls in the client and blame the system.
      const followPool = createHttpPool(scheduledCount(opts.latencyRate, Math.max(opts.latencyDuration, opts.warmup)));
      const latencyRuns = new Map<ProductSet, StepResult[]>(productSets.map((set) => [set, []]));
      try {
        for (const set of productSets) {
          if (opts.warmup > 0) {
            logger.info({ products: set.label, rate: opts.latencyRate, seconds: opts.warmup }, 'latency warm-up, orders followed');
            await measureStep(sut, pool, set.products, opts.latencyRate, opts.warmup, followPool);
          }
          for (let run = 1; run <= opts.runs; run++) {
            logger.info({ products: set.label, run, rate: opts.latencyRate, seconds: opts.latencyDuration }, 'latency run, orders followed');
            latencyRuns.get(set)!.push(await measureStep(sut, pool, set.products, opts.latencyRate, opts.latencyDuration, followPool));
          }
        }
      } finally {
        await followPool.close();
      }

      const rampMedian = opts.rates.map((rate, k) => ({
        rate,
        decided_per_s: medianOf(rampRuns.map((steps) => steps[k]!.decided_per_s)),
        accepted_per_s: medianOf(rampRuns.map((steps) => steps[k]!.accepted_per_s)),
        decide_p99_ms: medianOf(rampRuns.map((steps) => steps[k]!.decision_latency_ms.p99_ms)),
      }));
      const bestDecided = Math.max(...rampMedian.map((r) => r.decided_per_s ?? 0));
      const latencyMedian = productSets.map((set) => {
        const runs = latencyRuns.get(set)!;
        return {
          products: set.label,
          rate: opts.latencyRate,
          accept_p99_ms: medianOf(runs.map((r) => r.client?.accept_latency_ms.p99_ms)),
          decide_p50_ms: medianOf(runs.map((r) => r.decision_latency_ms.p50_ms)),
          decide_p99_ms: medianOf(runs.map((r) => r.decision_latency_ms.p99_ms)),
          client_outcome_p50_ms: medianOf(runs.map((r) => r.client?.outcome_latency_ms.p50_ms)),
          client_outcome_p99_ms: medianOf(runs.map((r) => r.client?.outcome_latency_ms.p99_ms)),
          segments: Object.fromEntries(
            SEGMENTS.map((k) => [k, { p50_ms: medianOf(runs.map((r) => r.client?.segments_ms[k].p50_ms)), p99_ms: medianOf(runs.map((r) => r.client?.segments_ms[k].p99_ms)) }]),
          ),
          client_goal_p99_ms: GOAL_CLIENT_P99_MS[set.key],
        };
      });
      const [seedMedian, benchMedian] = latencyMedian as [(typeof latencyMedian)[0], (typeof latencyMedian)[0]];
      const p50 = benchMedian.decide_p50_ms;
      const p99 = benchMedian.decide_p99_ms;
      const clientGoal = (m: typeof seedMedian) => ({
        goal: `<= ${m.client_goal_p99_ms}`,
        measured: m.client_outcome_p99_ms,
        met: m.client_outcome_p99_ms === null ? null : m.client_outcome_p99_ms <= m.client_goal_p99_ms,
      });
      const result = {
        benchmark: 'orders',
        command,
        system: sut.description,
        environment: environment(),
        settings: { ...opts, restock_quantity: RESTOCK_QUANTITY },
        goals: {
          decided_per_s: { goal: `>= ${GOAL_DECIDED_PER_S}`, measured: bestDecided, met: bestDecided >= GOAL_DECIDED_PER_S },
          decision_p99_ms_at_latency_rate: { goal: `<= ${GOAL_P99_MS}`, measured: p99, met: p99 === null ? null : p99 <= GOAL_P99_MS },
          client_outcome_p99_ms_seed_products: clientGoal(seedMedian),
          client_outcome_p99_ms_bench_products: clientGoal(benchMedian),
        },
        ramp_median: rampMedian,
        latency_median: latencyMedian,
        ramp_runs: rampRuns,
        latency_runs: productSets.map((set) => ({ products: set.label, runs: latencyRuns.get(set)! })),
      };
      const file = writeBenchReport('orders', result);

      const out: string[] = [''];
      rampRuns.forEach((steps, k) => out.push(`ramp, run ${k + 1} of ${rampRuns.length}:`, stepTable(steps), ''));
      for (const set of productSets) out.push(`latency at ${opts.latencyRate}/s on ${set.label}, ${opts.runs} runs:`, latencyTable(latencyRuns.get(set)!), '');
      out.push(
        'where the client\'s time went (p50 / p99 ms, median of the runs): scheduled send → row inserted → decided → answer at the client',
        formatTable(
          ['products', ...SEGMENTS],
          latencyMedian.map((m) => [m.products, ...SEGMENTS.map((k) => `${fixed(m.segments[k]!.p50_ms)} / ${fixed(m.segments[k]!.p99_ms)}`)]),
        ),
        '',
        formatTable(
          ['goal', 'target', `measured (median of ${opts.runs})`, 'verdict'],
          [
            ['orders decided per second (best ramp step)', `>= ${GOAL_DECIDED_PER_S}/s`, `${fixed(bestDecided)}/s`, verdict(result.goals.decided_per_s.met)],
            [`accept→decision p99 at ${opts.latencyRate}/s, server`, `<= ${GOAL_P99_MS} ms`, `${fixed(p99)} ms (p50 ${fixed(p50)} ms)`, verdict(result.goals.decision_p99_ms_at_latency_rate.met)],
            ...latencyMedian.map((m) => [
              `accept→outcome p99 at ${opts.latencyRate}/s, client, ${m.products}`,
              `<= ${m.client_goal_p99_ms} ms`,
              `${fixed(m.client_outcome_p99_ms)} ms (p50 ${fixed(m.client_outcome_p50_ms)} ms; server p99 ${fixed(m.decide_p99_ms)} ms)`,
              verdict(clientGoal(m).met),
            ]),
          ],
        ),
        '',
        `system: ${sut.description}`,
        `machine: ${JSON.stringify(result.environment)}`,
        `report: ${file}`,
        `command: ${command}`,
      );
      process.stdout.write(`${out.join('\n')}\n`);
    } finally {
      await pool.end();
    }
  });
}

runBench('bench:orders', main);
