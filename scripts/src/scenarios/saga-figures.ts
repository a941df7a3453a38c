import type { OrderStatus } from '@ftlab/shared';
import { percentilesOf } from '../lib/latency';

/**
 * What the saga demos (payment.ts, lost-email.ts) make of the orders they placed, the payment
 * provider's books and the mail sink's inbox. Pure: saga-measure.ts reads, this counts.
 */

/** One order of the scenario as the orders table has it (times in epoch ms, the database's clock). */
export interface SagaOrder {
  orderId: string;
  status: OrderStatus;
  reason: string | null;
  quantity: number;
  createdAtMs: number;
  reservedAtMs: number | null;
  decidedAtMs: number | null;
}

/** What the payment provider holds for one order. */
export interface OrderCharges {
  captured: number;
  declined: number;
  refunds: number;
}

export interface Window {
  fromMs: number;
  toMs: number;
}

const inWindow = (o: SagaOrder, w: Window) => o.createdAtMs >= w.fromMs && o.createdAtMs < w.toMs;

export interface SagaTally {
  confirmed: number;
  cancelled: number;
  /** Cancelled orders by reason (payment_unavailable, payment_declined, ...). */
  cancelledBy: Record<string, number>;
  rejected: number;
  /** Not final yet: PENDING or RESERVED. */
  open: number;
  confirmedQuantity: number;
}

export function tallyOrders(orders: readonly SagaOrder[]): SagaTally {
  const tally: SagaTally = { confirmed: 0, cancelled: 0, cancelledBy: {}, rejected: 0, open: 0, confirmedQuantity: 0 };
  for (const o of orders) {
    if (o.status === 'CONFIRMED') {
      tally.confirmed += 1;
      tally.confirmedQuantity += o.quantity;
    } else if (o.status === 'CANCELLED') {
      tally.cancelled += 1;
      const reason = o.reason ?? 'none';
      tally.cancelledBy[reason] = (tally.cancelledBy[reason] ?? 0) + 1;
    } else if (o.status === 'REJECTED') tally.rejected += 1;
    else tally.open += 1;
  }
  return tally;
}

/** p50/p99 of accept → final status of the orders created in the window, and how many there were. */
export function decisionLatency(orders: readonly SagaOrder[], window: Window): { p50Ms: number | null; p99Ms: number | null; orders: number } {
  const ms = orders.filter((o) => inWindow(o, window) && o.decidedAtMs !== null).map((o) => o.decidedAtMs! - o.createdAtMs);
  const at = percentilesOf(ms, [50, 99]);
  return { p50Ms: at?.[50] ?? null, p99Ms: at?.[99] ?? null, orders: ms.length };
}

/** The longest RESERVED → final status: what the payment deadline bounds. undefined when no order was reserved and decided. */
export function longestPaymentWait(orders: readonly SagaOrder[]): number | undefined {
  const waits = orders.flatMap((o) => (o.reservedAtMs !== null && o.decidedAtMs !== null ? [o.decidedAtMs - o.reservedAtMs] : []));
  return waits.length === 0 ? undefined : Math.max(...waits);
}

/** The orders created in the window and how many of them ended CONFIRMED. */
export function confirmedAmong(orders: readonly SagaOrder[], window: Window): { placed: number; confirmed: number } {
  const placed = orders.filter((o) => inWindow(o, window));
  return { placed: placed.length, confirmed: placed.filter((o) => o.status === 'CONFIRMED').length };
}

export interface MoneyTally {
  captures: number;
  refunds: number;
  /** Captures not refunded: what the provider keeps, one per CONFIRMED order when all is well. */
  kept: number;
  /** The most captures of any one order (> 1: charged twice). */
  maxCapturesPerOrder: number;
  /** Captures of orders that ended CANCELLED: each is to be refunded. */
  capturesOfCancelled: number;
  /** Captures of orders CANCELLED payment_declined: there must be none. */
  capturesOfDeclined: number;
  declined: number;
}

export function tallyMoney(orders: readonly SagaOrder[], charges: ReadonlyMap<string, OrderCharges>): MoneyTally {
  const money: MoneyTally = { captures: 0, refunds: 0, kept: 0, maxCapturesPerOrder: 0, capturesOfCancelled: 0, capturesOfDeclined: 0, declined: 0 };
  for (const o of orders) {
    const c = charges.get(o.orderId);
    if (!c) continue;
    money.captures += c.captured;
    money.refunds += c.refunds;
    money.declined += c.declined;
    money.maxCapturesPerOrder = Math.max(money.maxCapturesPerOrder, c.captured);
    if (o.status === 'CANCELLED') money.capturesOfCancelled += c.captured;
    if (o.status === 'CANCELLED' && o.reason === 'payment_declined') money.capturesOfDeclined += c.captured;
  }
  money.kept = money.captures - money.refunds;
  return money;
}

/** The breaker's state as seen at one moment. */
export interface BreakerSample {
  atMs: number;
  state: string;
}

/**
 * From the breaker's observed states: how long after the fault it first opened (the time to
 * detect the dependency's failure), and how long after the clear it was first seen closed again
 * (null: it never opened / never closed again).
 */
export function breakerTimes(samples: readonly BreakerSample[], injectedAtMs: number, clearedAtMs: number): { openedAfterMs: number | null; closedAfterClearMs: number | null; opened: boolean } {
  const opened = samples.find((s) => s.atMs >= injectedAtMs && s.state === 'open');
  const closed = opened ? samples.find((s) => s.atMs >= Math.max(clearedAtMs, opened.atMs) && s.state === 'closed') : undefined;
  return { openedAfterMs: opened ? opened.atMs - injectedAtMs : null, closedAfterClearMs: closed ? closed.atMs - clearedAtMs : null, opened: opened !== undefined };
}

/** Stock rows of one product on each replica. */
export interface ReplicaStock {
  instanceId: string;
  available: number;
  reserved: number;
}

/**
 * The replicas holding exactly what the orders say: of `initial` units, the CONFIRMED orders'
 * reserved and the rest available again (every cancelled order's units given back, once).
 */
export function replicasWithStockBack(rows: readonly ReplicaStock[], initial: number, confirmedQuantity: number): string[] {
  return rows.filter((r) => r.reserved === confirmedQuantity && r.available === initial - confirmedQuantity).map((r) => r.instanceId);
}

/** One outcome email as the mail sink received it. */
export interface ReceivedMail {
  orderId: string | null;
  receivedAtMs: number;
}

export interface MailDelivery {
  outcomes: number;
  /** Outcomes with exactly one email. */
  exactlyOnce: number;
  /** Outcomes with none, and with more than one. */
  missing: number;
  duplicated: number;
  /** Emails received after the mail server came back. */
  afterRecovery: number;
  /** The longest final status → email received (ms), over the outcomes with an email. */
  longestDelayMs: number | null;
}

export function mailDelivery(outcomes: ReadonlyArray<{ orderId: string; decidedAtMs: number }>, mails: readonly ReceivedMail[], recoveredAtMs: number): MailDelivery {
  const byOrder = new Map<string, ReceivedMail[]>();
  for (const m of mails) if (m.orderId !== null) byOrder.set(m.orderId, [...(byOrder.get(m.orderId) ?? []), m]);
  const delivery: MailDelivery = { outcomes: outcomes.length, exactlyOnce: 0, missing: 0, duplicated: 0, afterRecovery: 0, longestDelayMs: null };
  for (const o of outcomes) {
    const got = byOrder.get(o.orderId) ?? [];
    if (got.length === 0) delivery.missing += 1;
    else if (got.length === 1) delivery.exactlyOnce += 1;
    else delivery.duplicated += 1;
    for (const m of got) {
      if (m.receivedAtMs >= recoveredAtMs) delivery.afterRecovery += 1;
      delivery.longestDelayMs = Math.max(delivery.longestDelayMs ?? 0, m.receivedAtMs - o.decidedAtMs);
    }
  }
  return delivery;
}

/**
 * Whether latency with the fault is within `share` (0.1: 10 %) of latency without it, plus an
 * absolute margin for a host shared with others; and the bound that was applied.
 */
export function withinShareOf(observed: number | null, reference: number | null, share: number, marginMs: number): { bound: number | null; met: boolean } {
  if (observed === null || reference === null) return { bound: null, met: false };
  const bound = reference * (1 + share) + marginMs;
  return { bound, met: observed <= bound };
}
