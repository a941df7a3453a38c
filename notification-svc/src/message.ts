import type { OrderFinalized } from '@ftlab/shared';

/** The email of one order outcome, as notification-svc stores and sends it. */
export interface OutcomeMail {
  order_id: string;
  status: OrderFinalized['status'];
  /** Stable per order outcome: a resend is the same message, which the mail server keeps once. */
  message_id: string;
  recipient: string;
  subject: string;
  body: string;
}

const money = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency}`;

/** What the customer is told; the same outcome always makes the same message (no clock, no randomness). */
export function outcomeMail(e: OrderFinalized, recipient: string, domain: string): OutcomeMail {
  const what = `${e.quantity} × ${e.product_id}${e.amount_cents === null ? '' : ` (${money(e.amount_cents, e.currency)})`}`;
  const line = {
    CONFIRMED: `Your order of ${what} is confirmed and paid.`,
    REJECTED: `Your order of ${what} could not be accepted${e.reason ? ` (${e.reason})` : ''}.`,
    CANCELLED: `Your order of ${what} is cancelled${e.reason ? ` (${e.reason})` : ''}; nothing is charged.`,
  }[e.status];
  return {
    order_id: e.order_id,
    status: e.status,
    message_id: `<${e.order_id}.${e.status.toLowerCase()}@${domain}>`,
    recipient,
    subject: `Order ${e.order_id}: ${e.status}`,
    body: `${line}\n\nOrder ${e.order_id}, decided at ${e.decided_at}.\n`,
  };
}
