import { z } from 'zod';
import { createHttpPool, describeFailure, httpCall, productId, quantity, type Endpoints, type HttpOutcome } from '@ftlab/shared';
import { AnswerChecker, SNAPSHOT_EVERY_MS } from './answer-checker';
import { acceptedOrderId, failureText, interpretRead } from './answers';
import { nowMs } from './clock';
import { LatencyHistogram, type LatencySummary } from '../lib/latency';
import type { RequestKind, Sample } from './sample';
import { paceOpenLoop, scheduledCount } from './schedule';
import { Tally, windowSummaries, type TallySummary, type WindowSummary } from './tally';
import { DEFAULT_ORDER_SHARE, LOAD_MODES, planRequest, readBaseUrl, readTarget, type PlannedRequest, type Workload } from './workload';

/**
 * runLoad: one open-loop load run (see schedule.ts) against the voter and/or orders-svc, with a
 * per-request timeline and a report. The library the load-test CLI, the benchmarks and the
 * experiment runner share.
 */

const loadSettings = z.object({
  mode: z.enum(LOAD_MODES),
  rps: z.number().positive().max(100_000),
  durationS: z.number().positive().max(86_400),
  products: z.array(productId).min(1, 'at least one product'),
  orderShare: z.number().min(0).max(1).default(DEFAULT_ORDER_SHARE),
  readTarget: readTarget.default('voter'),
  /** Where replica_stock is read for the wrong-answer check; the check is off without it. */
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL').optional(),
  /** Past this many unanswered requests new ones are dropped (counted), not queued without bound. */
  maxInFlight: z.number().int().min(1).default(2000),
  timeoutMs: z.number().int().min(1).max(600_000).default(10_000),
  connections: z.number().int().min(1).max(10_000).default(1024),
  orderQuantity: quantity.default(1),
  progressEveryMs: z.number().int().min(50).default(1000),
});
export type LoadSettings = z.output<typeof loadSettings>;

export interface LoadProgress {
  elapsedS: number;
  durationS: number;
  due: number;
  completed: number;
  inFlight: number;
  dropped: number;
  ok: number;
  wrong: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

export type LoadOptions = z.input<typeof loadSettings> & {
  endpoints: Endpoints;
  onProgress?: (progress: LoadProgress) => void;
  /** Every request once final (reads after their wrong-answer verdict), in completion order. */
  onSample?: (sample: Sample) => void;
  /** Stops the schedule early; requests already sent are still awaited and reported. */
  signal?: AbortSignal;
  /** Every answer (or failure) as it arrives, with its send and end times: for a history recorder, which must only append. */
  onAnswer?: (request: PlannedRequest, sentAt: number, endMs: number, result: HttpOutcome) => void;
};

export interface LoadReport {
  mode: LoadSettings['mode'];
  read_url: string | null;
  orders_url: string | null;
  asked_rps: number;
  duration_s: number;
  started_at: string;
  finished_at: string;
  /** Whether the run was stopped early (signal). */
  aborted: boolean;
  settings: Omit<LoadSettings, 'databaseUrl' | 'mode' | 'rps' | 'durationS'> & { wrong_answer_check: boolean; snapshot_every_ms: number | null };
  /** How late the generator itself sent requests after their due time: large values mean the generator, not the system, was the bottleneck. */
  dispatch_lag_ms: LatencySummary;
  totals: TallySummary;
  by_kind: Partial<Record<RequestKind, TallySummary>>;
  /** One-second windows by due time. */
  windows: WindowSummary[];
  wrong_answer_snapshot_errors: number;
  /** Every request, in schedule order. */
  samples: Sample[];
}

function outcomeOf(result: HttpOutcome): Sample['outcome'] {
  if (!result.ok) return result.failure.kind === 'timeout' ? 'timeout' : 'network_error';
  return result.status >= 200 && result.status < 300 ? 'ok' : 'http_error';
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const settings = loadSettings.parse(options);
  const { endpoints, onProgress, onSample, onAnswer, signal } = options;
  const workload: Workload = { ...settings, endpoints };
  const hasReads = settings.mode !== 'create_order';
  const hasOrders = settings.mode !== 'query_inventory';

  const checker = hasReads && settings.databaseUrl ? await AnswerChecker.open(settings.databaseUrl, settings.products) : undefined;
  // Its own pool, sized by the run: too few connections would queue requests inside the client and blame the system.
  const pool = createHttpPool(settings.connections);
  const samples: Sample[] = [];
  const tally = new Tally();
  const byKind = new Map<RequestKind, Tally>();
  const lag = new LatencyHistogram();
  let inFlight = 0;
  /** Requests dispatched whose sample is not final yet (in flight, or a read awaiting its verdict). */
  let unfinished = 0;
  let lastEnd = 0;
  let onIdle: (() => void) | undefined;

  const finish = (sample: Sample) => {
    samples.push(sample);
    tally.add(sample);
    let kindTally = byKind.get(sample.kind);
    if (!kindTally) byKind.set(sample.kind, (kindTally = new Tally()));
    kindTally.add(sample);
    onSample?.(sample);
    unfinished -= 1;
  };

  const record = (i: number, plan: PlannedRequest, dueMs: number, sentAt: number, result: HttpOutcome) => {
    const endMs = nowMs();
    onAnswer?.(plan, sentAt, endMs, result);
    lastEnd = Math.max(lastEnd, endMs);
    const outcome = outcomeOf(result);
    const sample: Sample = {
      i,
      kind: plan.kind,
      productId: plan.productId,
      at: dueMs,
      latencyMs: Math.round((endMs - dueMs) * 1000) / 1000,
      status: result.ok ? result.status : 0,
      outcome,
      ok: outcome === 'ok',
      quorum: null,
      wrong: null,
    };
    if (!result.ok) {
      sample.error = describeFailure(result.failure);
      return finish(sample);
    }
    if (!sample.ok) sample.error = failureText(result.body);
    if (plan.kind === 'order') {
      sample.orderId = acceptedOrderId(result.status, result.body);
      return finish(sample);
    }
    const read = interpretRead(result.status, result.body);
    sample.quorum = read.quorum;
    if (!read.answer || !checker) return finish(sample);
    checker.check(plan.productId, read.answer, sentAt, endMs, (verdict) => {
      sample.wrong = verdict === 'unjudged' ? null : verdict === 'wrong';
      finish(sample);
    });
  };

  const dispatch = (i: number, dueMs: number) => {
    unfinished += 1;
    const plan = planRequest(workload, i);
    const sentAt = nowMs();
    lag.record(Math.max(0, sentAt - dueMs));
    if (inFlight >= settings.maxInFlight) {
      return finish({ i, kind: plan.kind, productId: plan.productId, at: dueMs, latencyMs: null, status: 0, outcome: 'dropped', ok: false, quorum: null, wrong: null });
    }
    inFlight += 1;
    void httpCall(plan.url, { method: plan.method, body: plan.body, timeoutMs: settings.timeoutMs, pool }).then((result) => {
      inFlight -= 1;
      record(i, plan, dueMs, sentAt, result);
      if (inFlight === 0) onIdle?.();
    });
  };

  const total = scheduledCount(settings.rps, settings.durationS);
  const startMs = nowMs();
  const progress = (): LoadProgress => ({
    elapsedS: Math.round((nowMs() - startMs) / 100) / 10,
    durationS: settings.durationS,
    due: samples.length + unfinished,
    completed: samples.length,
    inFlight,
    ...tally.counts(),
    p50Ms: tally.latencyPercentile(50),
    p99Ms: tally.latencyPercentile(99),
  });
  const ticker = onProgress ? setInterval(() => onProgress(progress()), settings.progressEveryMs) : undefined;

  let dispatched = 0;
  try {
    dispatched = await paceOpenLoop({ rps: settings.rps, total, startMs, dispatch, now: nowMs, signal });
    if (inFlight > 0) await new Promise<void>((resolve) => (onIdle = resolve));
    // Every answer is in; close() takes a last snapshot and gives every read still waiting its
    // verdict. Orders and dropped requests were final at once, so nothing is left unfinished.
    await checker?.close();
  } finally {
    if (ticker) clearInterval(ticker);
    await pool.close();
  }
  onProgress?.(progress());

  const scheduleS = dispatched / settings.rps;
  // Throughput over the time it took to get the answers, not just the schedule: a system that
  // falls behind shows a lower achieved rate than asked.
  const spanS = Math.max(scheduleS, (lastEnd - startMs) / 1000);
  samples.sort((a, b) => a.i - b.i);
  const { databaseUrl: _omit, mode, rps, durationS, ...rest } = settings;
  return {
    mode,
    read_url: hasReads ? readBaseUrl(workload) : null,
    orders_url: hasOrders ? endpoints.orders : null,
    asked_rps: rps,
    duration_s: durationS,
    started_at: new Date(startMs).toISOString(),
    finished_at: new Date().toISOString(),
    aborted: dispatched < total,
    settings: { ...rest, wrong_answer_check: checker !== undefined, snapshot_every_ms: checker ? SNAPSHOT_EVERY_MS : null },
    dispatch_lag_ms: lag.summary(),
    totals: tally.summary(spanS),
    by_kind: Object.fromEntries([...byKind].map(([kind, t]) => [kind, t.summary(spanS)])),
    windows: windowSummaries(samples, startMs, scheduleS * 1000),
    wrong_answer_snapshot_errors: checker?.snapshotErrors ?? 0,
    samples,
  };
}
