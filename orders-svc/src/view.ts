import { CURRENCY, isFinalOrderStatus, type OrderNotification, type OrderStatus, type OrderView } from '@ftlab/shared';
import type { NotificationRow, OrderRow } from './store';

/**
 * The email of the order's current outcome, from notification-svc's rows for the order (one per
 * final status it reached: a CONFIRMED order cancelled later has two, and the CANCELLED one is
 * the one due now). A final order whose outcome notification-svc has not recorded yet is pending
 * all the same: the event is on its way, and the email is due.
 */
export function notificationOf(status: OrderStatus, rows: readonly NotificationRow[]): OrderNotification {
  if (!isFinalOrderStatus(status)) return { status: 'none', attempts: 0, last_error: null, sent_at: null };
  const row = rows.find((r) => r.status === status);
  if (!row) return { status: 'pending', attempts: 0, last_error: null, sent_at: null };
  return { status: row.sent_at ? 'sent' : 'pending', attempts: row.attempts, last_error: row.last_error, sent_at: row.sent_at?.toISOString() ?? null };
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** An order as every route answers it (shared/src/api.ts orderView). */
export function orderView(o: OrderRow, notifications: readonly NotificationRow[] = []): OrderView {
  return {
    order_id: o.order_id,
    product_id: o.product_id,
    quantity: o.quantity,
    amount_cents: o.amount_cents,
    currency: CURRENCY,
    status: o.status,
    reason: o.reason,
    created_at: o.created_at.toISOString(),
    reserved_at: iso(o.reserved_at),
    decided_at: iso(o.decided_at),
    payment: {
      status: (o.payment_status as OrderView['payment']['status']) ?? (o.status === 'RESERVED' ? 'charging' : null),
      attempts: o.payment_attempts,
      last_error: o.payment_error,
      charge_id: o.charge_id,
    },
    notification: notificationOf(o.status, notifications),
  };
}
