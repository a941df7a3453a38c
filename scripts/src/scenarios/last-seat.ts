import crypto from 'node:crypto';
import { callJson, restockAccepted } from '@ftlab/shared';
import { equals } from './expectation';
import { replicasIdentical, waitDecided } from './measure';
import type { Scenario } from './scenario';

const BUYERS = 20;

/** Seed 002's last seat: many buyers, one unit. Exactly one wins, and every replica agrees on it. */
export const lastSeat: Scenario = {
  name: 'last-seat',
  source: 'seed 002: the last seat (Redlock there; the log\'s order per product here)',
  summary: `${BUYERS} concurrent orders for a product with one unit left`,
  async run(ctx) {
    const productId = `SEAT-${crypto.randomBytes(4).toString('hex')}`;
    const restocked = await callJson(`${ctx.target.endpoints.orders}/admin/restock`, restockAccepted, {
      method: 'POST',
      body: { product_id: productId, quantity: 1 },
      headers: { authorization: `Bearer ${ctx.target.adminToken}` },
      timeoutMs: 10_000,
    });
    if (!restocked.ok) throw new Error(`could not create ${productId}: ${JSON.stringify(restocked.failure)}`);
    // Let every replica apply the restock before the rush, so none is REJECTED as an unknown product.
    await new Promise((r) => setTimeout(r, 2000));
    const ops = await Promise.all(Array.from({ length: BUYERS }, () => ctx.client.placeOrder(productId, 1)));
    const ids = ops.flatMap((o) => (o.kind === 'place_order' && o.result.type === 'accepted' ? [o.result.orderId] : []));
    await waitDecided(ctx.pool, ids, 30_000);
    const { rows } = await ctx.pool.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM orders WHERE order_id = ANY($1::uuid[]) GROUP BY status', [ids]);
    const count = (status: string) => rows.find((r) => r.status === status)?.n ?? 0;
    const stock = await ctx.pool.query<{ available: number }>('SELECT available_quantity::int AS available FROM replica_stock WHERE product_id = $1', [productId]);
    return [
      equals('orders accepted (202)', ids.length, BUYERS),
      equals('CONFIRMED', count('CONFIRMED'), 1),
      equals('REJECTED (out of stock)', count('REJECTED'), BUYERS - 1),
      equals('replicas with the product at 0 available', stock.rows.filter((r) => r.available === 0).length, 3),
      equals('replicas identical', (await replicasIdentical(ctx.pool)).identical, true),
    ];
  },
};
