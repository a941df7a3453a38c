import { setTimeout as sleep } from 'node:timers/promises';
import { SEED_PRODUCTS, createHttpPool, createPool, type Logger } from '@ftlab/shared';
import type { FaultEvent } from '../checker/history';
import { OperationRecorder, RecordingClient } from '../checker/recorder';
import { checkRun, orderLogOf, uncheckedVerdict } from '../checker/run-check';
import type { VerdictJson } from '../checker/render';
import { waitAllOn } from '../lib/replicas-on';
import type { TargetSystem } from '../lib/target-system';
import { runLoad } from '../load';
import type { Expectation } from './expectation';
import type { Figure } from './figures';
import type { DemoContext, Scenario } from './scenario';
import { paymentLedgerUrl } from '../lib/system';

/** A client gives up on a request after this long: longer than any freeze a demo injects. */
const CLIENT_TIMEOUT_MS = 10_000;
/** Load runs this long before a fault, so the fault meets a system in its steady state. */
const FAULT_AFTER_MS = 2000;

export interface ScenarioOutcome {
  expectations: Expectation[];
  /** What the scenario measured beyond its expectations (none for most). */
  figures: Figure[];
  history: VerdictJson;
  /** The last fault cleared → every replica ON again (ms), or null when no fault was cleared or it never was. */
  wholeAgainMs: number | null;
  ok: boolean;
}

/** How long the system may take to be whole again before the scenario says it never was. */
const WHOLE_AGAIN_WITHIN_MS = 120_000;

/** Plays one scenario on the target, then checks the history of everything its clients were told. */
export async function runScenario(scenario: Scenario, target: TargetSystem, logger: Logger): Promise<ScenarioOutcome> {
  const pool = createPool(target.databaseUrl, 4, logger);
  const http = { pool: createHttpPool(64), timeoutMs: CLIENT_TIMEOUT_MS };
  const recorder = new OperationRecorder();
  const faults: FaultEvent[] = [];
  const figures: Figure[] = [];
  // From each clear, watched on its own: the scenario may spend a while checking other things.
  let wholeAgain: Promise<number | null> = Promise.resolve(null);
  const watchWholeAgain = (clearedAt: number) => {
    wholeAgain = waitAllOn(target.endpoints, { timeoutMs: WHOLE_AGAIN_WITHIN_MS, intervalMs: 100 }).then(
      () => Date.now() - clearedAt,
      () => null,
    );
  };
  const ctx: DemoContext = {
    target,
    logger,
    pool,
    recorder,
    client: new RecordingClient(http, target.endpoints, recorder, target.adminToken),
    figures: (list) => void figures.push(...list),
    fault: (action, kind, what) => {
      const atMs = Date.now();
      faults.push({ atMs, action, kind, target: what });
      if (action === 'clear') watchWholeAgain(atMs);
    },
    load: async (plan, during) => {
      const rps = plan.ordersPerS + plan.readsPerS;
      const stop = new AbortController();
      const loading = runLoad({
        mode: 'mixed',
        rps,
        orderShare: plan.ordersPerS / rps,
        durationS: plan.seconds,
        products: plan.products ?? SEED_PRODUCTS.map((p) => p.product_id),
        endpoints: target.endpoints,
        databaseUrl: target.databaseUrl,
        timeoutMs: CLIENT_TIMEOUT_MS,
        onAnswer: recorder.onLoadAnswer,
        signal: stop.signal,
      });
      try {
        await during?.();
      } catch (err) {
        stop.abort();
        await loading.catch(() => undefined);
        throw err;
      }
      return loading;
    },
    faultUnderLoad: (plan, fault) =>
      ctx.load(plan, async () => {
        await sleep(FAULT_AFTER_MS);
        ctx.fault('inject', fault.kind, fault.target);
        await fault.inject();
        await sleep(fault.holdMs);
        ctx.fault('clear', fault.kind, fault.target);
      }),
  };
  try {
    logger.info({ scenario: scenario.name }, 'scenario starting');
    const expectations = await scenario.run(ctx);
    const history = await checkRun(orderLogOf(target), pool, recorder, faults, logger, undefined, paymentLedgerUrl(target.databaseUrl)).then(
      (c) => c.verdict,
      (err: Error) => uncheckedVerdict(err),
    );
    return { expectations, figures, history, wholeAgainMs: await wholeAgain, ok: expectations.every((e) => e.met) && history.ok };
  } finally {
    await http.pool.close();
    await pool.end();
  }
}
