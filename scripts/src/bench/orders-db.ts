import { setTimeout as sleep } from 'node:timers/promises';
import { REPLICA_IDS, type Pool } from '@ftlab/shared';

/**
 * What the orders benchmark reads back from Postgres: when each accepted order was created and
 * decided. Both timestamps are the database's clock_timestamp(), so their difference is free of
 * any clock skew between the benchmark and the services.
 */

export interface OrderTiming {
  orderId: string;
  status: string;
  createdMs: number;
  decidedMs: number | null;
}

export async function orderTimings(pool: Pool, orderIds: readonly string[]): Promise<OrderTiming[]> {
  if (orderIds.length === 0) return [];
  const { rows } = await pool.query<{ order_id: string; status: string; created_ms: number; decided_ms: number | null }>(
    `SELECT order_id, status, extract(epoch FROM created_at) * 1000 AS created_ms, extract(epoch FROM decided_at) * 1000 AS decided_ms
     FROM orders WHERE order_id = ANY($1::uuid[])`,
    [orderIds],
  );
  return rows.map((r) => ({ orderId: r.order_id, status: r.status, createdMs: Number(r.created_ms), decidedMs: r.decided_ms === null ? null : Number(r.decided_ms) }));
}

async function pendingCount(pool: Pool, orderIds: readonly string[]): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM orders WHERE order_id = ANY($1::uuid[]) AND decided_at IS NULL`, [orderIds]);
  return Number(rows[0]!.n);
}

/**
 * Waits until every order is decided, or until `stallMs` passes without any getting decided (a
 * stuck pipeline must end the wait, a slow one must not). Resolves with how many are left.
 */
export async function waitDecided(pool: Pool, orderIds: readonly string[], stallMs = 30_000): Promise<number> {
  let left = await pendingCount(pool, orderIds);
  let lastProgress = Date.now();
  while (left > 0 && Date.now() - lastProgress < stallMs) {
    await sleep(250);
    const now = await pendingCount(pool, orderIds);
    if (now < left) lastProgress = Date.now();
    left = now;
  }
  return left;
}

/** Products for the benchmark, each restocked far beyond what it will sell. */
export const benchProducts = (count: number) => Array.from({ length: count }, (_, k) => `BENCH-${String(k + 1).padStart(4, '0')}`);

/** How many of the products every replica has committed: restocks travel through Kafka first. */
export async function productsOnEveryReplica(pool: Pool, products: readonly string[]): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT coalesce(min(n), 0) AS n FROM (
       SELECT count(*) AS n FROM replica_stock WHERE product_id = ANY($1::text[]) GROUP BY instance_id
     ) per_replica HAVING count(*) = $2`,
    [products, REPLICA_IDS.length],
  );
  return Number(rows[0]?.n ?? 0);
}
