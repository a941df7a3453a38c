import type { Endpoints, Logger, Pool } from '@ftlab/shared';
import { injectFault } from '../lib/fault-api';
import { PollTimeout, pollUntil, type PollOptions } from '../lib/poll';
import { waitAllOn } from '../lib/replicas-on';
import { auditForFault, injection, offAtInjection, type AuditRow, type DbClock } from './audit';
import type { FaultSpec } from './plan';
import { emptyTrial, type TrialResult } from './report';

/**
 * One trial: wait until every replica is ON, settle, inject, wait for the monitor's audit row
 * (TTD), clear at once (crash: the supervisor's restart is the repair), wait for the row to be
 * resolved (TTR). Every wait has a deadline: a trial that times out is recorded as such and the
 * fault is cleared, so one bad trial never hangs the run or poisons the next.
 */

export interface TrialTimings {
  /** How long every replica must have been ON, without a break, before we inject. */
  settleMs: number;
  readyTimeoutMs: number;
  detectTimeoutMs: number;
  resolveTimeoutMs: number;
  /** How often the audit row is polled; bounds how late we clear, not the measured TTD (Postgres computes that). */
  pollMs: number;
}

export interface TrialContext {
  endpoints: Endpoints;
  adminToken: string;
  pool: Pool;
  clock: DbClock;
  timings: TrialTimings;
  logger: Logger;
  signal?: AbortSignal;
}

/** The database the experiment reads is not the one the system writes: every trial would time out, so stop at once. */
export class WrongDatabaseError extends Error {
  override name = 'WrongDatabaseError';
}

/** A trial records a timeout as its outcome rather than failing: undefined when the deadline passed. */
async function untilTimeout<T>(check: () => Promise<T | undefined>, opts: PollOptions): Promise<T | undefined> {
  try {
    return await pollUntil(check, opts);
  } catch (err) {
    if (err instanceof PollTimeout) return undefined;
    throw err;
  }
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

async function clearFault(ctx: TrialContext, spec: FaultSpec): Promise<void> {
  await injectFault(ctx.endpoints, ctx.adminToken, spec.instance_id, { type: 'clear' }, { timeoutMs: 5000 });
}

export async function runTrial(spec: FaultSpec, trial: number, ctx: TrialContext): Promise<TrialResult> {
  const { timings, logger } = ctx;
  const result = emptyTrial(trial);
  const log = logger.child({ fault: spec.type, instance_id: spec.instance_id, trial });

  try {
    await waitAllOn(ctx.endpoints, { settleMs: timings.settleMs, timeoutMs: timings.readyTimeoutMs, signal: ctx.signal });
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    log.warn({ err: (err as Error).message }, 'replicas not all ON: trial skipped');
    return { ...result, outcome: 'not_ready', error: (err as Error).message };
  }

  let faultId: number;
  try {
    const answer = await injectFault(ctx.endpoints, ctx.adminToken, spec.instance_id, spec.request, { timeoutMs: 5000 });
    faultId = 'fault_id' in answer ? Number(answer.fault_id) : Number.NaN;
    if (!Number.isInteger(faultId)) throw new Error(`the replica returned no fault_id (${JSON.stringify(answer)})`);
  } catch (err) {
    log.error({ err: (err as Error).message }, 'injection failed');
    return { ...result, error: (err as Error).message };
  }
  const injected = await injection(ctx.pool, faultId);
  if (!injected || injected.instance_id !== spec.instance_id || injected.fault_type !== spec.type) {
    throw new WrongDatabaseError(
      `fault ${faultId} injected into replica ${spec.instance_id} is not in fault_injections of the experiment's database: DATABASE_URL must name the running system's database`,
    );
  }
  const injectedLocal = ctx.clock.toLocal(injected.injected_at);
  result.fault_id = faultId;
  result.injected_at = iso(injected.injected_at);
  log.info({ fault_id: faultId }, 'injected');

  // Found: the fault's own audit row. 'spoiled': the replica was already OFF when it landed.
  const found = await untilTimeout(
    async (): Promise<AuditRow | 'spoiled' | undefined> =>
      (await auditForFault(ctx.pool, faultId)) ?? ((await offAtInjection(ctx.pool, spec.instance_id, faultId)) ? 'spoiled' : undefined),
    { timeoutMs: timings.detectTimeoutMs, intervalMs: timings.pollMs, what: 'the audit row of the fault', signal: ctx.signal },
  );
  if (found === 'spoiled') {
    if (spec.clearAfterDetection) await clearFault(ctx, spec).catch((err: Error) => log.error({ err: err.message }, 'clear failed'));
    log.warn({ fault_id: faultId }, 'the replica was already OFF when the fault landed: attempt discarded');
    return { ...result, outcome: 'spoiled', error: `replica ${spec.instance_id} was already OFF (a failure detected before the injection)` };
  }
  const detected = found;
  if (!detected) {
    if (spec.clearAfterDetection) await clearFault(ctx, spec).catch((err: Error) => log.error({ err: err.message }, 'clear failed'));
    log.warn({ fault_id: faultId }, `not detected within ${timings.detectTimeoutMs} ms`);
    return {
      ...result,
      outcome: 'not_detected',
      cleared_at: iso((await injection(ctx.pool, faultId))?.cleared_at),
      window: { start: injectedLocal, end: Date.now() },
      error: `no failure_audit row within ${timings.detectTimeoutMs} ms`,
    };
  }
  if (spec.clearAfterDetection) {
    try {
      await clearFault(ctx, spec);
    } catch (err) {
      log.error({ err: (err as Error).message }, 'clear failed');
      result.error = `clear failed: ${(err as Error).message}`;
    }
  }
  log.info({ fault_id: faultId, ttd_ms: Math.round(detected.ttd_ms), cause: detected.cause }, 'detected');

  const resolved = await untilTimeout(
    async (): Promise<AuditRow | undefined> => {
      const row = await auditForFault(ctx.pool, faultId);
      return row?.resolved_at ? row : undefined;
    },
    { timeoutMs: timings.resolveTimeoutMs, intervalMs: timings.pollMs, what: 'the resolution of the fault', signal: ctx.signal },
  );
  const row = resolved ?? detected;
  const final = {
    ...result,
    cause: row.cause,
    detected_at: iso(row.detected_at),
    cleared_at: iso((await injection(ctx.pool, faultId))?.cleared_at),
    resolved_at: iso(row.resolved_at),
    ttd_ms: row.ttd_ms,
    ttr_ms: row.ttr_ms,
  };
  if (!resolved) {
    log.warn({ fault_id: faultId }, `not back ON within ${timings.resolveTimeoutMs} ms`);
    return { ...final, outcome: 'not_resolved', window: { start: injectedLocal, end: Date.now() }, error: `not resolved within ${timings.resolveTimeoutMs} ms` };
  }
  log.info({ fault_id: faultId, ttr_ms: Math.round(row.ttr_ms ?? 0) }, 'resolved');
  return { ...final, outcome: 'resolved', window: { start: injectedLocal, end: ctx.clock.toLocal(row.resolved_at!) } };
}
