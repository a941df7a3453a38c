import type { History } from './history';
import { notApplicable, verdictOf, type CheckVerdict } from './verdict';

/**
 * Payments, when the system has a ledger: every CONFIRMED order captured exactly once and not
 * refunded; a capture only for an order that was CONFIRMED or CANCELLED after it; a CANCELLED
 * order that was captured is refunded exactly once; a refund only for such an order.
 */

const TITLE = 'captures = CONFIRMED orders; refunds only, and always, for cancelled-and-captured ones';

function countBy(ids: readonly string[]): Map<string, number> {
  const n = new Map<string, number>();
  for (const id of ids) n.set(id, (n.get(id) ?? 0) + 1);
  return n;
}

export function checkPayments(history: History): CheckVerdict {
  const ledger = history.final.payments;
  if (!ledger) return notApplicable('payments', TITLE, 'no payment ledger in this system');
  const status = new Map(history.final.orders.map((o) => [o.orderId, o.status]));
  const captures = countBy(ledger.captures.map((c) => c.orderId));
  const refunds = countBy(ledger.refunds.map((r) => r.orderId));
  const bad: string[] = [];
  for (const [id, s] of status) {
    const c = captures.get(id) ?? 0;
    const r = refunds.get(id) ?? 0;
    if (s === 'CONFIRMED' && c !== 1) bad.push(`order ${id} is CONFIRMED with ${c} capture(s)`);
    if (s === 'CONFIRMED' && r > 0) bad.push(`order ${id} is CONFIRMED but refunded`);
    if (s === 'CANCELLED' && c > 0 && r !== c) bad.push(`order ${id} is CANCELLED, captured ${c} time(s), refunded ${r} time(s)`);
    if (s === 'CANCELLED' && c === 0 && r > 0) bad.push(`order ${id} is CANCELLED and refunded without a capture`);
    if ((s === 'REJECTED' || s === 'PENDING') && c + r > 0) bad.push(`order ${id} is ${s} but has ${c} capture(s) and ${r} refund(s)`);
  }
  for (const id of new Set([...captures.keys(), ...refunds.keys()])) {
    if (!status.has(id)) bad.push(`payment for ${id}, which is not in the orders table`);
  }
  return verdictOf('payments', TITLE, bad, `${ledger.captures.length} capture(s), ${ledger.refunds.length} refund(s), all matching`);
}
