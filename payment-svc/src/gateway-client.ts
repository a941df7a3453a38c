import type { BulkheadPolicy } from 'cockatiel';
import { callJson, describeFailure, paymentGateway as api, type HttpPool } from '@ftlab/shared';
import { chargeAttempt, failedAttempt, failedLookup, lookupOf, type Attempt, type Lookup } from './saga';

export interface ChargeOrder {
  order_id: string;
  amount_cents: number;
  currency: api.Currency;
}

/**
 * The payment gateway's API as payment-svc uses it: every call through the shared HTTP client,
 * every answer parsed with the gateway's contract, every outcome in saga.ts's terms. The order id
 * is the charge's idempotency key, so however often a charge is sent, it is one charge. Lookups
 * and refunds wait for a slot of the gateway's bulkhead (`limit`, policies/bulkhead.ts); charges
 * take theirs in the charger's policies, outside the attempt's timeout.
 */
export function gatewayClient(baseUrl: string, pool: HttpPool, timeouts: { attemptMs: number; lookupMs: number }, limit: BulkheadPolicy) {
  return {
    async charge(order: ChargeOrder, signal: AbortSignal): Promise<Attempt> {
      const body: api.ChargeRequest = { amount_cents: order.amount_cents, currency: order.currency, order_id: order.order_id, description: `order ${order.order_id}` };
      const answer = await callJson(`${baseUrl}/charges`, api.charge, {
        method: 'POST',
        headers: { [api.IDEMPOTENCY_KEY_HEADER]: order.order_id },
        body,
        timeoutMs: timeouts.attemptMs,
        signal,
        pool,
      });
      return answer.ok ? chargeAttempt(answer.value) : failedAttempt(answer.failure);
    },

    async lookup(orderId: string): Promise<Lookup> {
      const answer = await limit.execute(() => callJson(`${baseUrl}/charges?idempotency_key=${encodeURIComponent(orderId)}`, api.charge, { timeoutMs: timeouts.lookupMs, pool }));
      return answer.ok ? lookupOf(answer.value) : failedLookup(answer.failure);
    },

    /** Refunds the whole charge; its own idempotency key, so a refund asked twice is one refund. */
    async refund(orderId: string, chargeId: string): Promise<{ ok: true; refundId: string } | { ok: false; error: string }> {
      const answer = await limit.execute(() =>
        callJson(`${baseUrl}/refunds`, api.refund, {
          method: 'POST',
          headers: { [api.IDEMPOTENCY_KEY_HEADER]: `refund-${orderId}` },
          body: { charge_id: chargeId } satisfies api.RefundRequest,
          timeoutMs: timeouts.lookupMs,
          pool,
        }),
      );
      return answer.ok ? { ok: true, refundId: answer.value.id } : { ok: false, error: describeFailure(answer.failure) };
    },
  };
}
export type GatewayClient = ReturnType<typeof gatewayClient>;
