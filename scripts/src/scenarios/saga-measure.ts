import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { callJson, createPool, describeFailure, httpCall, mailSink, type OrderStatus, type Pool } from '@ftlab/shared';
import { pollUntil } from '../lib/poll';
import { paymentLedgerUrl } from '../lib/system';
import type { BreakerSample, OrderCharges, ReceivedMail, ReplicaStock, SagaOrder } from './saga-figures';
import type { DemoContext } from './scenario';

/** What the saga demos read: their own product, the orders, the provider's books, the breaker, the mail sink. */

/**
 * A product of the scenario's own (restocked through orders-svc, recorded for the history
 * check), on every replica before the load starts: its stock is the scenario's to count,
 * whatever earlier runs on this system sold. Then one order for it, CONFIRMED: the whole saga
 * (payment-svc's consumer included, on a system just started) works before the fault meets it.
 */
export async function freshProduct(ctx: DemoContext, prefix: string, quantity: number): Promise<string> {
  const productId = `${prefix}-${crypto.randomBytes(4).toString('hex')}`;
  const op = await ctx.client.restock(productId, quantity);
  if (op.result.type !== 'accepted') throw new Error(`could not create ${productId}: ${JSON.stringify(op.result)}`);
  await pollUntil(
    async () => (await ctx.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM replica_stock WHERE product_id = $1 AND available_quantity = $2', [productId, quantity])).rows[0]!.n === 3,
    { timeoutMs: 30_000, intervalMs: 200, what: `${productId} on every replica`, retryErrors: true },
  );
  const first = await ctx.client.placeOrder(productId, 1);
  if (first.kind !== 'place_order' || first.result.type !== 'accepted') throw new Error(`the first order for ${productId} was not accepted: ${JSON.stringify(first.result)}`);
  const confirmed = await confirmedWithin(ctx.pool, [first.result.orderId], 60_000);
  if (!confirmed) throw new Error(`the first order for ${productId} was not CONFIRMED within 60 s: the saga does not work before any fault`);
  return productId;
}

/** Whether every one of the orders is CONFIRMED within `timeoutMs`. */
export async function confirmedWithin(pool: Pool, orderIds: readonly string[], timeoutMs: number): Promise<boolean> {
  return pollUntil(
    async () => (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM orders WHERE order_id = ANY($1::uuid[]) AND status = 'CONFIRMED'", [orderIds])).rows[0]!.n === orderIds.length,
    { timeoutMs, intervalMs: 200, what: 'orders CONFIRMED', retryErrors: true },
  ).then(
    () => true,
    () => false,
  );
}

export async function readOrders(pool: Pool, orderIds: readonly string[]): Promise<SagaOrder[]> {
  const { rows } = await pool.query<{ order_id: string; status: OrderStatus; reason: string | null; quantity: number; created_at: Date; reserved_at: Date | null; decided_at: Date | null }>(
    'SELECT order_id, status, reason, quantity, created_at, reserved_at, decided_at FROM orders WHERE order_id = ANY($1::uuid[])',
    [orderIds],
  );
  return rows.map((r) => ({
    orderId: r.order_id,
    status: r.status,
    reason: r.reason,
    quantity: r.quantity,
    createdAtMs: r.created_at.getTime(),
    reservedAtMs: r.reserved_at?.getTime() ?? null,
    decidedAtMs: r.decided_at?.getTime() ?? null,
  }));
}

/** Waits until payment-svc has nothing left to do for these orders: no charge under way, no capture still to look up (and refund). */
export async function waitPaymentsDone(pool: Pool, orderIds: readonly string[], timeoutMs: number): Promise<boolean> {
  return pollUntil(
    async () =>
      (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM payments WHERE order_id = ANY($1::uuid[]) AND (status = 'charging' OR check_charge)", [orderIds])).rows[0]!.n === 0,
    { timeoutMs, intervalMs: 250, what: 'payments settled and checked', retryErrors: true },
  ).then(
    () => true,
    () => false,
  );
}

/**
 * The provider's books for these orders (its own database beside the system's, lib/system.ts),
 * and the time (its clock, which is the database server's) each charge was made.
 */
export async function readCharges(databaseUrl: string, orderIds: readonly string[]): Promise<{ byOrder: Map<string, OrderCharges>; charges: { orderId: string; status: string; createdAtMs: number }[] }> {
  const pool = createPool(paymentLedgerUrl(databaseUrl), 1);
  try {
    const { rows } = await pool.query<{ order_id: string; status: string; created_at: Date; refunds: number }>(
      `SELECT c.order_id, c.status, c.created_at, (SELECT count(*)::int FROM gateway_refunds r WHERE r.charge_id = c.id) AS refunds
       FROM gateway_charges c WHERE c.order_id = ANY($1::text[])`,
      [orderIds],
    );
    const byOrder = new Map<string, OrderCharges>();
    for (const r of rows) {
      const c = byOrder.get(r.order_id) ?? { captured: 0, declined: 0, refunds: 0 };
      if (r.status === 'captured') c.captured += 1;
      else c.declined += 1;
      c.refunds += r.refunds;
      byOrder.set(r.order_id, c);
    }
    return { byOrder, charges: rows.map((r) => ({ orderId: r.order_id, status: r.status, createdAtMs: r.created_at.getTime() })) };
  } finally {
    await pool.end();
  }
}

const healthBody = z.object({ breaker: z.string() }).passthrough();

/** payment-svc's gateway breaker as /health shows it, into `samples` every `everyMs` until stopped (one per answer). */
export async function watchBreaker(paymentUrl: string, stop: AbortSignal, samples: BreakerSample[], everyMs = 100): Promise<void> {
  while (!stop.aborted) {
    const answer = await httpCall(`${paymentUrl}/health`, { timeoutMs: 2000 });
    const state = answer.ok ? healthBody.safeParse(answer.body).data?.breaker : undefined;
    if (state) samples.push({ atMs: Date.now(), state });
    await sleep(everyMs);
  }
}

async function stockOf(pool: Pool, productId: string): Promise<ReplicaStock[]> {
  const { rows } = await pool.query<{ instance_id: string; available: string; reserved: string }>(
    'SELECT instance_id, available_quantity AS available, reserved_quantity AS reserved FROM replica_stock WHERE product_id = $1 ORDER BY instance_id',
    [productId],
  );
  return rows.map((r) => ({ instanceId: r.instance_id, available: Number(r.available), reserved: Number(r.reserved) }));
}

/** The product's stock on each replica once `settled` holds for it (the compensations applied), or as it is after `timeoutMs`. */
export async function settledStock(pool: Pool, productId: string, settled: (rows: ReplicaStock[]) => boolean, timeoutMs: number): Promise<ReplicaStock[]> {
  const giveUp = Date.now() + timeoutMs;
  for (;;) {
    const rows = await stockOf(pool, productId);
    if (settled(rows) || Date.now() >= giveUp) return rows;
    await sleep(250);
  }
}

/** Orders whose units a replica still holds (a reservation not released). */
export async function heldByAReplica(pool: Pool, orderIds: readonly string[]): Promise<Set<string>> {
  const { rows } = await pool.query<{ order_id: string }>("SELECT DISTINCT order_id FROM replica_reservations WHERE order_id = ANY($1::uuid[]) AND state = 'RESERVED'", [orderIds]);
  return new Set(rows.map((r) => r.order_id));
}

/** Waits until notification-svc has sent an email for every outcome of these orders (the mail server took it). */
export async function waitMailSent(pool: Pool, orderIds: readonly string[], timeoutMs: number): Promise<boolean> {
  return pollUntil(
    async () => {
      const { rows } = await pool.query<{ sent: number }>('SELECT count(*) FILTER (WHERE sent_at IS NOT NULL)::int AS sent FROM notifications WHERE order_id = ANY($1::uuid[])', [orderIds]);
      return rows[0]!.sent >= orderIds.length;
    },
    { timeoutMs, intervalMs: 250, what: 'every outcome email sent', retryErrors: true },
  ).then(
    () => true,
    () => false,
  );
}

/** Everything the mail sink received (one copy per Message-ID), with the order each is about. */
export async function readMail(mailSinkUrl: string): Promise<ReceivedMail[]> {
  const answer = await callJson(`${mailSinkUrl}/messages`, mailSink.messagesResponse, { timeoutMs: 30_000 });
  if (!answer.ok) throw new Error(`mail sink: GET /messages failed: ${describeFailure(answer.failure)}`);
  return answer.value.messages.map((m) => ({ orderId: m.order_id, receivedAtMs: Date.parse(m.received_at) }));
}
