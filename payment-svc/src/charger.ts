import { TaskCancelledError, wrap, type BulkheadPolicy } from 'cockatiel';
import { counter, gauge, histogram, type Logger, type OutboxRow, type Registry } from '@ftlab/shared';
import type { GatewayClient } from './gateway-client';
import { createGatewayBreaker, isBreakerRejection, type BreakerStateName } from './policies/breaker';
import { createChargeRetry } from './policies/retry';
import { createAttemptTimeout } from './policies/timeout';
import { needsLookup, retryWindowMs, settle, worthRetrying, type Attempt, type Timing } from './saga';
import type { OpenPayment, PaymentStore } from './store';

/** An attempt the gateway failed (thrown, so that the retry and breaker policies see it). */
class AttemptFailed extends Error {
  constructor(readonly attempt: Attempt) {
    super(attempt.kind === 'failed' ? attempt.error : attempt.kind);
  }
}

/** What counts against the gateway, for the breaker: a failed attempt, or one the timeout abandoned. */
const isGatewayFailure = (err: Error) => err instanceof AttemptFailed || err instanceof TaskCancelledError;

export interface ChargerOptions {
  client: GatewayClient;
  /** The gateway's bulkhead, shared with the client's lookups and refunds. */
  limit: BulkheadPolicy;
  store: PaymentStore;
  timing: Timing & { attemptTimeoutMs: number; backoffInitialMs: number; breakerFailures: number; breakerHalfOpenMs: number };
  publish: (rows: OutboxRow[]) => void;
  logger: Logger;
  registry: Registry;
}

/**
 * Charges each open payment until it settles: attempts through retry(bulkhead(breaker(timeout(charge))))
 * while the retry window lasts, then (if no attempt settled it) the lookup by idempotency key,
 * then saga.ts's settlement, recorded with its event. One task per order, all sharing the one
 * breaker of the gateway; an order is charged by at most one task of this process at a time.
 */
export function createCharger(opts: ChargerOptions) {
  const { client, store, timing, logger } = opts;
  const attempts = counter(opts.registry, 'payment_attempts_total', 'Charge attempts by outcome (captured, declined, failed, refused, breaker_open, timeout)', ['outcome']);
  const settledTotal = counter(opts.registry, 'payment_settled_total', 'Payments settled, by outcome and reason', ['outcome', 'reason']);
  const settleSeconds = histogram(opts.registry, 'payment_settle_duration_seconds', 'RESERVED → payment settled', ['outcome']);
  const charging = gauge(opts.registry, 'payment_charging', 'Payments being charged by this process now');
  const breakerState = gauge(opts.registry, 'payment_breaker_state', 'The gateway breaker: 0 closed, 1 open, 2 half-open, 3 isolated');
  const breakerOpens = counter(opts.registry, 'payment_breaker_opens_total', 'Times the gateway breaker opened');
  let breakerName: BreakerStateName = 'closed';
  let opens = 0;

  const breaker = createGatewayBreaker({ failures: timing.breakerFailures, halfOpenAfterMs: timing.breakerHalfOpenMs, isGatewayFailure }, (state) => {
    breakerName = state;
    breakerState.set({ closed: 0, open: 1, half_open: 2, isolated: 3 }[state]);
    if (state === 'open') {
      opens += 1;
      breakerOpens.inc();
    }
    logger.warn({ breaker: state }, 'payment gateway breaker changed state');
  });
  const retry = createChargeRetry({
    initialDelayMs: timing.backoffInitialMs,
    maxDelayMs: timing.backoffMaxMs,
    isRetryable: (err) => (err instanceof AttemptFailed && worthRetrying(err.attempt)) || err instanceof TaskCancelledError || isBreakerRejection(err),
  });
  // The bulkhead outside the breaker: a call that waited out its retry window in the queue was
  // never the gateway's failure, and the breaker never sees it.
  const policy = wrap(retry, opts.limit, breaker, createAttemptTimeout(timing.attemptTimeoutMs));
  const inFlight = new Set<string>();

  /** The attempts of one payment, until one settles it or the retry window closes. */
  async function attempt(p: OpenPayment): Promise<{ last: Attempt; made: number }> {
    let made = 0;
    let last: Attempt = { kind: 'failed', error: 'the payment deadline passed before an attempt' };
    const windowMs = retryWindowMs(p.reserved_at.getTime(), Date.now(), timing);
    if (windowMs <= 0) return { last, made };
    const window = AbortSignal.timeout(windowMs);
    try {
      last = await policy.execute(async ({ signal }) => {
        if (window.aborted) throw new AttemptFailed(last);
        made += 1;
        const a = await client.charge(p, signal);
        attempts.inc({ outcome: a.kind });
        last = a;
        if (a.kind === 'failed') throw new AttemptFailed(a);
        return a;
      }, window);
    } catch (err) {
      if (err instanceof AttemptFailed) last = err.attempt;
      else if (err instanceof TaskCancelledError) {
        attempts.inc({ outcome: 'timeout' });
        last = { kind: 'failed', error: `no answer within ${timing.attemptTimeoutMs} ms` };
      } else if (isBreakerRejection(err)) {
        attempts.inc({ outcome: 'breaker_open' });
        last = { kind: 'failed', error: 'the gateway breaker is open' };
      } else throw err;
    }
    return { last, made };
  }

  async function charge(p: OpenPayment): Promise<void> {
    const { last, made } = await attempt(p);
    const found = needsLookup(last) ? await client.lookup(p.order_id) : undefined;
    const settlement = settle(last, found);
    const lastError = last.kind === 'failed' || last.kind === 'refused' ? last.error : null;
    const { settled, outbox } = await store.settle({ order_id: p.order_id, settlement, attempts: p.attempts + made, last_error: lastError });
    if (!settled) return;
    opts.publish(outbox);
    const reason = settlement.outcome === 'failed' ? settlement.reason : '';
    settledTotal.inc({ outcome: settlement.outcome, reason });
    settleSeconds.observe({ outcome: settlement.outcome }, (Date.now() - p.reserved_at.getTime()) / 1000);
    const log = { order_id: p.order_id, outcome: settlement.outcome, reason, attempts: p.attempts + made, last_error: lastError, lookup: found?.kind };
    if (settlement.outcome === 'captured') logger.debug(log, 'payment captured');
    else logger.info(log, 'payment failed');
  }

  return {
    /** Starts charging each payment not already being charged here; a failure (the database away) is retried. */
    start(payments: OpenPayment[]): void {
      for (const p of payments) {
        if (inFlight.has(p.order_id)) continue;
        inFlight.add(p.order_id);
        charging.set(inFlight.size);
        const run = async (): Promise<void> => {
          try {
            await charge(p);
          } catch (err) {
            logger.warn({ err: (err as Error).message, order_id: p.order_id }, 'payment could not be recorded; trying again');
            await new Promise((r) => setTimeout(r, 500));
            return run();
          }
        };
        void run().finally(() => {
          inFlight.delete(p.order_id);
          charging.set(inFlight.size);
        });
      }
    },
    breakerState: () => breakerName,
    /** Times the breaker opened since this process started. */
    breakerOpens: () => opens,
    charging: () => inFlight.size,
  };
}
export type Charger = ReturnType<typeof createCharger>;
