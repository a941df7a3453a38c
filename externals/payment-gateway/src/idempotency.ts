import type { paymentGateway } from '@ftlab/shared';

/**
 * A request that reuses an Idempotency-Key gets the stored result back only if it asks for the
 * same thing; a different request under the same key is the caller's bug, refused (as real
 * providers do) naming the first parameter that differs, never answered with the old result.
 */
export type Reuse = { replay: true } | { replay: false; field: string };

/** The parameters that identify a request, as stored; null stands for a parameter left out. */
type Params = Record<string, string | number | null>;

export function compareReuse(stored: Params, request: Params): Reuse {
  for (const field of Object.keys(request)) {
    if (stored[field] !== request[field]) return { replay: false, field };
  }
  return { replay: true };
}

export function chargeParams(r: paymentGateway.ChargeRequest): Params {
  return { amount_cents: r.amount_cents, currency: r.currency, order_id: r.order_id, description: r.description ?? null };
}

export function refundParams(r: paymentGateway.RefundRequest): Params {
  return { charge_id: r.charge_id, amount_cents: r.amount_cents ?? null };
}
