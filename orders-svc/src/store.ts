import { randomUUID } from 'node:crypto';
import {
  enqueue,
  SEED_PRODUCTS,
  withTransaction,
  type LogRecord,
  type OrderPlaced,
  type OrderStatus,
  type Pool,
  type PoolClient,
  type ReplicaErrorReport,
  type ReplicaResult,
  type Topics,
} from '@ftlab/shared';
import { decideOrder, dissenters, type OrderDecision, type PlacementResult } from './decision';

export const SOURCE = 'orders-svc';

export interface OrderRow {
  order_id: string;
  product_id: string;
  quantity: number;
  status: OrderStatus;
  reason: string | null;
  idempotency_key: string | null;
  created_at: Date;
  decided_at: Date | null;
}

export type CreateOutcome =
  | { kind: 'created'; order: OrderRow }
  | { kind: 'replayed'; order: OrderRow }
  | { kind: 'unknown_product' }
  | { kind: 'key_reused'; order: OrderRow };

export type CancelOutcome = { kind: 'cancelled'; order: OrderRow } | { kind: 'not_found' } | { kind: 'conflict'; order: OrderRow };

export interface Decided {
  order_id: string;
  status: OrderStatus;
  created_at: Date;
  decided_at: Date;
}

const ORDER_COLUMNS = 'order_id, product_id, quantity, status, reason, idempotency_key, created_at, decided_at';

/**
 * SQL for orders, each write in one transaction with the events it implies (outbox), so an order
 * that was answered 202 is always eventually in the log, even if Kafka was down at the time.
 */
export function createOrderStore(pool: Pool, topics: Topics) {
  const placed = (o: Pick<OrderRow, 'order_id' | 'product_id' | 'quantity'>) => ({
    topic: topics.orderEvents,
    key: o.product_id,
    payload: { v: 1, type: 'OrderPlaced', order_id: o.order_id, product_id: o.product_id, quantity: o.quantity } satisfies OrderPlaced,
  });

  return {
    /**
     * One statement, so one round trip and its own transaction: the order and its OrderPlaced
     * event are inserted together or not at all, and only for a known product. With an
     * Idempotency-Key already used, concurrent requests serialise on the unique index and the
     * losers read the winner's order (a second statement: this one's snapshot predates it).
     */
    async create(input: { product_id: string; quantity: number; idempotency_key?: string }): Promise<CreateOutcome> {
      const order_id = randomUUID();
      const event = placed({ order_id, product_id: input.product_id, quantity: input.quantity });
      const { rows } = await pool.query<OrderRow & { known: boolean }>(
        `WITH known AS (SELECT EXISTS (SELECT 1 FROM products WHERE product_id = $2) AS known),
         inserted AS (
           INSERT INTO orders (order_id, product_id, quantity, status, idempotency_key)
           SELECT $1, $2, $3, 'PENDING', $4 FROM known WHERE known
           ON CONFLICT (idempotency_key) DO NOTHING
           RETURNING ${ORDER_COLUMNS}
         ), queued AS (
           INSERT INTO outbox (source, topic, message_key, payload) SELECT $5, $6, $2, $7 FROM inserted
         )
         SELECT known.known, inserted.* FROM known LEFT JOIN inserted ON true`,
        [order_id, input.product_id, input.quantity, input.idempotency_key ?? null, SOURCE, event.topic, JSON.stringify(event.payload)],
      );
      const row = rows[0]!;
      if (!row.known) return { kind: 'unknown_product' };
      if (row.order_id) return { kind: 'created', order: row };
      const existing = (await pool.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE idempotency_key = $1`, [input.idempotency_key])).rows[0]!;
      const same = existing.product_id === input.product_id && existing.quantity === input.quantity;
      return { kind: same ? 'replayed' : 'key_reused', order: existing };
    },

    async get(orderId: string): Promise<(OrderRow & { results: ReplicaResultRow[] }) | undefined> {
      const [order, results] = await Promise.all([
        pool.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE order_id = $1`, [orderId]),
        pool.query<ReplicaResultRow>(
          `SELECT instance_id, outcome, reason, available_quantity::int, reserved_quantity::int, log_partition, log_offset::int, received_at
           FROM order_results WHERE order_id = $1 ORDER BY received_at`,
          [orderId],
        ),
      ]);
      return order.rows[0] && { ...order.rows[0], results: results.rows };
    },

    async list(status: OrderStatus | undefined, limit: number): Promise<OrderRow[]> {
      const { rows } = await pool.query<OrderRow>(
        `SELECT ${ORDER_COLUMNS} FROM orders WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at DESC LIMIT $2`,
        [status ?? null, limit],
      );
      return rows;
    },

    async countsByStatus(): Promise<Record<OrderStatus, number>> {
      const { rows } = await pool.query<{ status: OrderStatus; n: number }>('SELECT status, count(*)::int AS n FROM orders GROUP BY status');
      const counts = { PENDING: 0, CONFIRMED: 0, REJECTED: 0, CANCELLED: 0 };
      for (const r of rows) counts[r.status] = r.n;
      return counts;
    },

    /** A cancel goes into the log like any order event, so every replica releases what it reserved. */
    async cancel(orderId: string): Promise<CancelOutcome> {
      return withTransaction(pool, async (client) => {
        const found = (await client.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE order_id = $1 FOR UPDATE`, [orderId])).rows[0];
        if (!found) return { kind: 'not_found' };
        if (found.status === 'REJECTED' || found.status === 'CANCELLED') return { kind: 'conflict', order: found };
        const order = (
          await client.query<OrderRow>(
            `UPDATE orders SET status = 'CANCELLED', updated_at = clock_timestamp() WHERE order_id = $1 RETURNING ${ORDER_COLUMNS}`,
            [orderId],
          )
        ).rows[0]!;
        await enqueue(client, SOURCE, [
          { topic: topics.orderEvents, key: order.product_id, payload: { v: 1, type: 'OrderCancelled', order_id: orderId, product_id: order.product_id } },
        ]);
        return { kind: 'cancelled', order };
      });
    },

    /** Puts the seed products into the log once, ever: a replica rebuilt from the log gets them too. */
    async seedProducts(): Promise<string[]> {
      return withTransaction(pool, async (client) => {
        const { rows } = await client.query<{ product_id: string }>(
          'INSERT INTO products (product_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING RETURNING product_id',
          [SEED_PRODUCTS.map((p) => p.product_id)],
        );
        const fresh = SEED_PRODUCTS.filter((p) => rows.some((r) => r.product_id === p.product_id));
        await enqueue(
          client,
          SOURCE,
          fresh.map((p) => ({ topic: topics.orderEvents, key: p.product_id, payload: { v: 1, type: 'StockSet', event_id: randomUUID(), ...p } })),
        );
        return fresh.map((p) => p.product_id);
      });
    },

    async restock(productId: string, quantity: number): Promise<string> {
      return withTransaction(pool, async (client) => {
        await client.query('INSERT INTO products (product_id) VALUES ($1) ON CONFLICT DO NOTHING', [productId]);
        const eventId = randomUUID();
        await enqueue(client, SOURCE, [
          { topic: topics.orderEvents, key: productId, payload: { v: 1, type: 'StockRestocked', event_id: eventId, product_id: productId, quantity } },
        ]);
        return eventId;
      });
    },

    /**
     * Records replica results and decides the orders they complete, inside the consumer's
     * transaction. Results are keyed (order, replica, outcome), so a redelivered result is a no-op
     * and a dissent is reported once, when the dissenting result first arrives.
     */
    async recordResults(client: PoolClient, records: LogRecord<ReplicaResult>[]): Promise<Decided[]> {
      const results = records.map((r) => r.event);
      const fresh = await client.query<{ order_id: string; instance_id: string; outcome: string }>(
        `INSERT INTO order_results (order_id, instance_id, outcome, reason, available_quantity, reserved_quantity, log_partition, log_offset)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::int[], $8::bigint[])
         ON CONFLICT DO NOTHING RETURNING order_id, instance_id, outcome`,
        [
          results.map((r) => r.order_id),
          results.map((r) => r.instance_id),
          results.map((r) => r.outcome),
          results.map((r) => r.reason ?? null),
          results.map((r) => r.available_quantity),
          results.map((r) => r.reserved_quantity),
          results.map((r) => r.position.partition),
          results.map((r) => r.position.offset),
        ],
      );
      const placements = fresh.rows.filter((r) => r.outcome !== 'RELEASED');
      if (placements.length === 0) return [];
      const orderIds = [...new Set(placements.map((r) => r.order_id))];
      const all = await client.query<PlacementResult & { order_id: string }>(
        `SELECT order_id, instance_id, outcome, reason FROM order_results WHERE order_id = ANY($1::uuid[]) AND outcome <> 'RELEASED'`,
        [orderIds],
      );
      const byOrder = new Map<string, PlacementResult[]>();
      for (const r of all.rows) byOrder.set(r.order_id, [...(byOrder.get(r.order_id) ?? []), r]);

      const decisions: { order_id: string; decision: Exclude<OrderDecision, { status: 'PENDING' }> }[] = [];
      const reports: ReplicaErrorReport[] = [];
      for (const [orderId, votes] of byOrder) {
        const decision = decideOrder(votes);
        if (decision.status === 'PENDING') continue;
        decisions.push({ order_id: orderId, decision });
        const arrived = new Set(placements.filter((p) => p.order_id === orderId).map((p) => p.instance_id));
        for (const d of dissenters(decision, votes).filter((d) => arrived.has(d.instance_id))) {
          reports.push(dissentReport(orderId, d, decision));
        }
      }
      await enqueue(
        client,
        SOURCE,
        reports.map((r) => ({ topic: topics.replicaErrors, key: r.instance_id, payload: r })),
      );
      if (decisions.length === 0) return [];
      // Only PENDING orders change: a cancel that came first, or an earlier decision, stands.
      const updated = await client.query<Decided>(
        `UPDATE orders o SET status = d.status, reason = d.reason, decided_at = clock_timestamp(), updated_at = clock_timestamp()
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS d(order_id, status, reason)
         WHERE o.order_id = d.order_id AND o.status = 'PENDING'
         RETURNING o.order_id, o.status, o.created_at, o.decided_at`,
        [
          decisions.map((d) => d.order_id),
          decisions.map((d) => d.decision.status),
          decisions.map((d) => (d.decision.status === 'REJECTED' ? d.decision.reason : null)),
        ],
      );
      return updated.rows;
    },
  };
}
export type OrderStore = ReturnType<typeof createOrderStore>;

export interface ReplicaResultRow {
  instance_id: string;
  outcome: string;
  reason: string | null;
  available_quantity: number;
  reserved_quantity: number;
  log_partition: number;
  log_offset: number;
  received_at: Date;
}

function dissentReport(orderId: string, d: PlacementResult, decision: OrderDecision): ReplicaErrorReport {
  return {
    v: 1,
    type: 'ReplicaErrorReport',
    instance_id: d.instance_id,
    cause: 'incorrect_response',
    reporter: SOURCE,
    order_id: orderId,
    expected: decision.status,
    actual: d.outcome,
    detail: `replica ${d.instance_id} answered ${d.outcome} for order ${orderId}, the majority decided ${decision.status}`,
  };
}
