import { SEED_PRODUCTS, type Endpoints } from '@ftlab/shared';
import { runLoad, type LoadOptions, type LoadReport, type Sample } from '../load';
import type { ReadSample } from './read-metrics';

/**
 * The experiment's standard background load, from the shared load library: voter reads at 50/s
 * plus a trickle of orders at 2/s, open loop, over all seed products, with the wrong-answer check
 * on. It runs from before the baseline until the last trial and is stopped with stop().
 */

export interface StandardLoad {
  readRps: number;
  orderRps: number;
  products: string[];
}

export const STANDARD_LOAD: StandardLoad = { readRps: 50, orderRps: 2, products: SEED_PRODUCTS.map((p) => p.product_id) };

/** Longer than any run; the load is stopped by its signal, this only bounds a runaway. */
const MAX_DURATION_S = 6 * 3600;

export interface RunningLoad {
  /** Stops the schedule, waits for answers in flight and their verdicts, and returns the report. */
  stop(): Promise<LoadReport>;
}

export function startLoad(endpoints: Endpoints, databaseUrl: string, load: StandardLoad = STANDARD_LOAD, onAnswer?: LoadOptions['onAnswer']): RunningLoad {
  const controller = new AbortController();
  const rps = load.readRps + load.orderRps;
  const done = runLoad({
    mode: 'mixed',
    rps,
    orderShare: load.orderRps / rps,
    durationS: MAX_DURATION_S,
    products: load.products,
    endpoints,
    databaseUrl,
    signal: controller.signal,
    onAnswer,
  });
  // A failure before stop() (the checker's database, say) must not be an unhandled rejection.
  done.catch(() => undefined);
  return {
    stop: async () => {
      controller.abort();
      return done;
    },
  };
}

/** The reads of a load run in the shape the pure metrics take; orders only add load. */
export function readSamples(samples: readonly Sample[]): ReadSample[] {
  return samples
    .filter((s) => s.kind === 'read')
    .map((s) => ({ at: s.at, latencyMs: s.latencyMs, status: s.status, quorum: s.quorum === true, wrong: s.wrong }));
}

/** The load report without its per-request arrays, for report.json (the samples go to samples.csv). */
export function loadSummary(report: LoadReport): Record<string, unknown> {
  const { samples: _samples, windows: _windows, ...summary } = report;
  return summary;
}
