import { describeFailure, paymentGateway, type CallFailure, type PaymentFailure } from '@ftlab/shared';

/**
 * The payment step's decisions, without I/O: what an attempt's answer means, how long attempts
 * may go on, what to conclude once they stop, and what a later look at the gateway obliges us to
 * do. charger.ts and reconciler.ts carry them out; the policies (policies/) retry, time out and
 * break the circuit.
 *
 * The rule behind them: an order ends CONFIRMED only with a capture, CANCELLED never with one
 * kept. A charge whose outcome is unknown (no answer in time) may have been made, so before
 * giving up the gateway is asked for it by its idempotency key (the order id); if even that goes
 * unanswered the order is cancelled as unpaid and the gateway is asked again later, until it
 * answers: a capture found then is refunded. A lookup that finds nothing after an unanswered
 * attempt is asked again too, for a while: that attempt may still reach the gateway after it.
 */

/** What one charge attempt came to. */
export type Attempt =
  | { kind: 'captured'; chargeId: string }
  | { kind: 'declined'; chargeId: string; code: string | null }
  /** No answer that settles it (timeout, 5xx, no connection, breaker open): worth another try. */
  | { kind: 'failed'; error: string }
  /** An answer that another try would repeat (a 4xx): the request itself is wrong. */
  | { kind: 'refused'; error: string };

/** A charge the gateway answered with 201: captured or declined. */
export function chargeAttempt(charge: paymentGateway.Charge): Attempt {
  return charge.status === 'captured' ? { kind: 'captured', chargeId: charge.id } : { kind: 'declined', chargeId: charge.id, code: charge.decline_code };
}

/** A call that brought no charge: a 4xx is the request's fault, anything else the gateway's (or the network's). */
export function failedAttempt(failure: CallFailure): Attempt {
  const error = describeFailure(failure);
  return failure.kind === 'status' && failure.status >= 400 && failure.status < 500 ? { kind: 'refused', error } : { kind: 'failed', error };
}

/** Whether the retry policy tries again after this attempt (the deadline permitting). */
export const worthRetrying = (a: Attempt) => a.kind === 'failed';

export interface Timing {
  /** payment deadline from RESERVED */
  deadlineMs: number;
  /** one lookup's timeout: kept free at the end of the deadline */
  lookupTimeoutMs: number;
  /** the longest backoff wait: one may start just before the retry window closes and run over it */
  backoffMaxMs: number;
}

/**
 * How long from `nowMs` attempts may still start, so that the last backoff and the lookup still
 * end by the deadline (`reservedAtMs` + deadline). 0: no time for another attempt.
 */
export function retryWindowMs(reservedAtMs: number, nowMs: number, t: Timing): number {
  return Math.max(0, reservedAtMs + t.deadlineMs - t.lookupTimeoutMs - t.backoffMaxMs - nowMs);
}

/** What the gateway said when asked for the charge by its idempotency key. */
export type Lookup =
  | { kind: 'captured'; chargeId: string }
  | { kind: 'declined'; chargeId: string }
  /** 404: no charge under that key, so none was ever made. */
  | { kind: 'none' }
  /** No answer: the charge may or may not exist. */
  | { kind: 'unknown'; error: string };

export function lookupOf(charge: paymentGateway.Charge): Lookup {
  return charge.status === 'captured' ? { kind: 'captured', chargeId: charge.id } : { kind: 'declined', chargeId: charge.id };
}

export function failedLookup(failure: CallFailure): Lookup {
  return failure.kind === 'status' && failure.status === 404 ? { kind: 'none' } : { kind: 'unknown', error: describeFailure(failure) };
}

/** How an order's payment ends, and what is left to do at the gateway. */
export type Settlement =
  | { outcome: 'captured'; chargeId: string }
  | {
      outcome: 'failed';
      reason: PaymentFailure;
      chargeId: string | null;
      /** The gateway did not say whether it charged: ask it again until it does. */
      checkCharge: boolean;
    };

/** Whether the attempts ended without the gateway saying captured or declined: then it is asked by key. */
export const needsLookup = (last: Attempt) => last.kind === 'failed' || last.kind === 'refused';

/**
 * After the attempts: a capture or a decline settles it; otherwise (attempts failed until the
 * window closed, or were refused) the lookup decides. A capture found by the lookup was made
 * before the deadline: the order is paid and kept. A decline found is a decline. No lookup
 * (none could be made) counts as no answer.
 */
export function settle(last: Attempt, found: Lookup | undefined): Settlement {
  if (last.kind === 'captured') return { outcome: 'captured', chargeId: last.chargeId };
  if (last.kind === 'declined') return { outcome: 'failed', reason: 'payment_declined', chargeId: last.chargeId, checkCharge: false };
  const lookup = found ?? { kind: 'unknown', error: last.error };
  switch (lookup.kind) {
    case 'captured':
      return { outcome: 'captured', chargeId: lookup.chargeId };
    case 'declined':
      return { outcome: 'failed', reason: 'payment_declined', chargeId: lookup.chargeId, checkCharge: false };
    case 'none':
      // No charge yet, but an attempt that went unanswered may still be on its way to the
      // gateway (queued there, or on the wire) and land after this lookup: asked again for a while.
      return { outcome: 'failed', reason: 'payment_unavailable', chargeId: null, checkCharge: last.kind === 'failed' };
    case 'unknown':
      return { outcome: 'failed', reason: 'payment_unavailable', chargeId: null, checkCharge: true };
  }
}

/** The payment as the reconciler sees it: settled, and maybe withdrawn by the client since. */
export interface Settled {
  status: 'captured' | 'failed';
  withdrawn: boolean;
  /** When it settled (or was last withdrawn), epoch ms. */
  settledAtMs: number;
}

/** Whether a captured charge is kept: only for an order that was paid and not withdrawn since. */
export const keepsCharge = (p: Pick<Settled, 'status' | 'withdrawn'>) => p.status === 'captured' && !p.withdrawn;

/**
 * What a later lookup of a settled payment obliges us to do: refund a capture no order keeps
 * (found only now, or kept until the client withdrew the order), stop asking once the gateway has
 * answered, or ask again.
 */
export type Reconciliation = { kind: 'refund'; chargeId: string } | { kind: 'done' } | { kind: 'ask_again'; error: string };

export function reconcile(p: Settled, found: Lookup, nowMs: number, inFlightGraceMs: number): Reconciliation {
  if (found.kind === 'unknown') return { kind: 'ask_again', error: found.error };
  if (found.kind === 'captured' && !keepsCharge(p)) return { kind: 'refund', chargeId: found.chargeId };
  // A charge abandoned by its caller can still be made by the gateway a moment later: "none" is
  // final only once no attempt sent before the settlement can still be under way.
  if (found.kind === 'none' && nowMs - p.settledAtMs < inFlightGraceMs) return { kind: 'ask_again', error: 'no charge yet; an unanswered attempt may still land' };
  return { kind: 'done' };
}
