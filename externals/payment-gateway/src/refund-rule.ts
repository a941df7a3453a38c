/**
 * How much a refund request may move: never more than was captured minus what was refunded
 * already, and nothing from a declined charge. Without an amount, the rest is refunded.
 */
export type RefundDecision = { ok: true; amount_cents: number } | { ok: false; code: string; field: string; error: string };

export function decideRefund(
  charge: { status: 'captured' | 'declined'; amount_cents: number; amount_refunded_cents: number },
  requestedCents: number | undefined,
): RefundDecision {
  if (charge.status !== 'captured') {
    return { ok: false, code: 'charge_not_refundable', field: 'charge_id', error: 'a declined charge has nothing to refund' };
  }
  const left = charge.amount_cents - charge.amount_refunded_cents;
  if (left <= 0) return { ok: false, code: 'charge_already_refunded', field: 'charge_id', error: 'the charge is refunded in full already' };
  if (requestedCents === undefined) return { ok: true, amount_cents: left };
  if (requestedCents > left) {
    return { ok: false, code: 'amount_too_large', field: 'amount_cents', error: `only ${left} cents of the charge are left to refund` };
  }
  return { ok: true, amount_cents: requestedCents };
}
