import { z } from 'zod';

/**
 * The payment provider simulator's API (externals/payment-gateway), in the style of a real one:
 * every write carries an Idempotency-Key, and the same key always means the same charge or refund.
 * Defined once here for the simulator and for whoever calls it (payment-svc).
 */

/** The header every POST must carry; the same key never moves money twice. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const idempotencyKey = z
  .string({ required_error: 'required' })
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

export const currency = z.enum(['EUR', 'USD', 'GBP']);
export type Currency = z.infer<typeof currency>;

export const amountCents = z.number().int().min(1).max(100_000_000);

export const chargeRequest = z
  .object({
    amount_cents: amountCents,
    currency,
    order_id: z.string().min(1).max(128),
    description: z.string().max(500).optional(),
  })
  .strict();
export type ChargeRequest = z.infer<typeof chargeRequest>;

export const chargeStatus = z.enum(['captured', 'declined']);
export type ChargeStatus = z.infer<typeof chargeStatus>;

export const charge = z.object({
  id: z.string().regex(/^ch_/),
  status: chargeStatus,
  amount_cents: amountCents,
  currency,
  order_id: z.string(),
  description: z.string().nullable(),
  /** Why a declined charge was declined (as providers say it); null when captured. */
  decline_code: z.string().nullable(),
  /** Sum of the refunds of this charge so far. */
  amount_refunded_cents: z.number().int().min(0),
  idempotency_key: idempotencyKey,
  created_at: z.string(),
});
export type Charge = z.infer<typeof charge>;

/** GET /charges?idempotency_key=…: how a client that timed out finds out whether it was charged. */
export const chargeLookupQuery = z.object({ idempotency_key: idempotencyKey }).strict();

export const refundRequest = z
  .object({
    charge_id: z.string().regex(/^ch_\w+$/, 'a charge id (ch_…)'),
    /** What to refund; without it, whatever of the charge is not refunded yet. */
    amount_cents: amountCents.optional(),
  })
  .strict();
export type RefundRequest = z.infer<typeof refundRequest>;

export const refund = z.object({
  id: z.string().regex(/^re_/),
  charge_id: z.string(),
  amount_cents: amountCents,
  status: z.literal('succeeded'),
  idempotency_key: idempotencyKey,
  created_at: z.string(),
});
export type Refund = z.infer<typeof refund>;

/** GET /ledger[?order_id=…]: what the provider holds, so the lab can count money moved after a run. */
export const ledgerQuery = z.object({ order_id: z.string().min(1).max(128).optional() }).strict();
export const ledger = z.object({
  charges: z.object({
    captured: z.object({ count: z.number().int(), amount_cents: z.number().int() }),
    declined: z.object({ count: z.number().int() }),
  }),
  refunds: z.object({ count: z.number().int(), amount_cents: z.number().int() }),
  /** Captured minus refunded. */
  net_cents: z.number().int(),
});
export type Ledger = z.infer<typeof ledger>;

/** The error body of every 4xx/5xx: `code` is stable for programs, `field` names what was wrong. */
export const gatewayError = z.object({ error: z.string(), code: z.string().optional(), field: z.string().optional() });
export type GatewayError = z.infer<typeof gatewayError>;

/**
 * Faults the gateway can be told to simulate (POST /admin/faults, admin token). latency: the
 * charge is made at once, the answer comes late (a client that gives up may have been charged);
 * down: 503 to every call; intermittent: that share of calls fails, some before anything is done
 * (503), some after the charge was made (500); decline: every new charge is declined.
 */
export const gatewayFaultRequest = z.discriminatedUnion('type', [
  z.object({ type: z.literal('latency'), latency_ms: z.number().int().min(1).max(120_000) }).strict(),
  z.object({ type: z.literal('down') }).strict(),
  z.object({ type: z.literal('intermittent'), probability: z.number().min(0).max(1) }).strict(),
  z.object({ type: z.literal('decline') }).strict(),
  z.object({ type: z.literal('clear') }).strict(),
]);
export type GatewayFaultRequest = z.infer<typeof gatewayFaultRequest>;
export type GatewayFault = Exclude<GatewayFaultRequest, { type: 'clear' }>;

/** GET and POST /admin/faults answer with the fault now in force (null: none). */
export const gatewayFaultState = z.object({ fault: gatewayFaultRequest.nullable() });
export type GatewayFaultState = { fault: GatewayFault | null };
