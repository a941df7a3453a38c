import { randomUUID } from 'node:crypto';
import {
  Batcher,
  CURRENCY,
  DEFAULT_UNIT_PRICE_CENTS,
  enqueue,
  orderCancelledEvent,
  orderFinalizedEvent,
  orderPlacedEvent,
  orderReservedEvent,
  orderWithdrawnEvent,
  outboxEntry,
  outboxInsert,
  SEED_PRODUCTS,
  stockRestockedEvent,
  stockSetEvent,
  uuidv7,
  withTransaction,
  type LogRecord,
  type OutboxMessage,
  type OutboxRow,
  type OrderFinalized,
  type OrderStatus,
  type PaymentSettled,
  type Pool,
  type PoolClient,
  type ReplicaResult,
  type Topics,
} from '@ftlab/shared';
import { decideBatch, type Vote } from './decision';

export const SOURCE = 'orders-svc';

export interface OrderRow {
  order_id: string;
  product_id: string;
  quantity: number;
  /** null only for an order accepted before products had prices. */
  amount_cents: number | null;
  status: OrderStatus;
  reason: string | null;
  idempotency_key: string | null;
  created_at: Date;
  reserved_at: Date | null;
  decided_at: Date | null;
  payment_status: string | null;
  payment_attempts: number | null;
  payment_error: string | null;
  charge_id: string | null;
}

export type CreateOutcome =
  | { kind: 'created'; order: OrderRow }
  | { kind: 'replayed'; order: OrderRow }
  | { kind: 'unknown_product' }
  | { kind: 'key_reused'; order: OrderRow };

export interface CreateInput {
  product_id: string;
  quantity: number;
  idempotency_key?: string;
}

export type CancelOutcome = { kind: 'cancelled'; order: OrderRow } | { kind: 'not_found' } | { kind: 'conflict'; order: OrderRow };

/** An order that reached a new status: RESERVED (its payment starts) or a final one. */
export interface Decided {
  order_id: string;
  status: OrderStatus;
  created_at: Date;
  /** When it reached `status`. */
  at: Date;
}

/** The fields of an order that its final outcome's event carries. */
type FinalRow = Pick<OrderRow, 'order_id' | 'product_id' | 'quantity' | 'amount_cents' | 'status' | 'reason'> & { at: Date };

/** The event that tells notification-svc (and anyone else) an order reached its final status. */
function finalized(o: FinalRow): OutboxMessage {
  return {
    topic: 'orderOutcomes',
    event: orderFinalizedEvent({
      order_id: o.order_id,
      product_id: o.product_id,
      quantity: o.quantity,
      amount_cents: o.amount_cents,
      currency: CURRENCY,
      status: o.status as OrderFinalized['status'],
      reason: o.reason,
      decided_at: o.at.toISOString(),
    }),
  };
}

const ORDER_COLUMNS =
  'order_id, product_id, quantity, amount_cents::int, status, reason, idempotency_key, created_at, reserved_at, decided_at, payment_status, payment_attempts, payment_error, charge_id';

/**
 * SQL for orders, each write in one transaction with the events it implies (outbox), so an order
 * that was answered 202 is always eventually in the log, even if Kafka was down at the time.
 */
export function createOrderStore(pool: Pool, topics: Topics, publish: (rows: OutboxRow[]) => void) {
  /** Runs `work` in a transaction; the outbox rows it queued go to the relay once it has committed. */
  async function withOutbox<T>(work: (client: PoolClient, queue: (messages: OutboxMessage[]) => Promise<void>) => Promise<T>): Promise<T> {
    let rows: OutboxRow[] = [];
    const result = await withTransaction(pool, (client) => {
      // Only the attempt that commits hands its rows over: a transaction run again starts afresh.
      rows = [];
      return work(client, async (messages) => void rows.push(...(await enqueue(client, SOURCE, topics, messages))));
    });
    publish(rows);
    return result;
  }

  /**
   * One statement for a whole batch of POST /orders: one round trip and one commit (its own
   * transaction, durably flushed) however many requests arrived together, with the orders' events
   * written by the shared outbox insert as part of it. With an Idempotency-Key already used, the
   * insert skips the row (concurrent statements serialise on the unique index) and a second
   * statement reads the winner's order: this one's snapshot predates it.
   */
  async function insertOrders(inputs: CreateInput[]): Promise<CreateOutcome[]> {
    const orders = inputs.map((input) => ({ ...input, order_id: uuidv7() }));
    const entries = orders.map((o) =>
      outboxEntry(topics, { topic: 'orderEvents', event: orderPlacedEvent({ order_id: o.order_id, product_id: o.product_id, quantity: o.quantity }) }),
    );
    const { rows } = await pool.query<{ order_id: string; known: boolean; amount_cents: number | null; created_at: Date | null; outbox_id: string | null }>({
      name: 'insert-orders',
      text: `WITH input AS (
               SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::jsonb[]) WITH ORDINALITY
                 AS i(order_id, product_id, quantity, idempotency_key, topic, message_key, payload, n)
             ), known AS (
               SELECT i.*, p.unit_price_cents::bigint * i.quantity AS amount_cents FROM input i JOIN products p USING (product_id)
             ), inserted AS (
               INSERT INTO orders (order_id, product_id, quantity, amount_cents, status, idempotency_key)
               SELECT order_id, product_id, quantity, amount_cents, 'PENDING', idempotency_key FROM known ORDER BY n
               ON CONFLICT (idempotency_key) DO NOTHING
               RETURNING order_id, created_at
             ), queued AS (
               ${outboxInsert('$8', 'known m JOIN inserted USING (order_id)')}
               RETURNING id, (payload->>'order_id')::uuid AS order_id
             )
             SELECT i.order_id, k.order_id IS NOT NULL AS known, k.amount_cents::int, ins.created_at, q.id AS outbox_id
             FROM input i LEFT JOIN known k USING (order_id) LEFT JOIN inserted ins USING (order_id) LEFT JOIN queued q USING (order_id)
             ORDER BY i.n`,
      values: [
        orders.map((o) => o.order_id),
        orders.map((o) => o.product_id),
        orders.map((o) => o.quantity),
        orders.map((o) => o.idempotency_key ?? null),
        entries.map((e) => e.topic),
        entries.map((e) => e.key),
        entries.map((e) => e.value),
        SOURCE,
      ],
    });
    publish(rows.flatMap((r, k) => (r.outbox_id ? [{ id: r.outbox_id, ...entries[k]! }] : [])));
    const replayedKeys = orders.filter((o, k) => rows[k]!.known && !rows[k]!.created_at).map((o) => o.idempotency_key!);
    const existing =
      replayedKeys.length === 0
        ? new Map<string, OrderRow>()
        : new Map(
            (await pool.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE idempotency_key = ANY($1::text[])`, [replayedKeys])).rows.map((o) => [
              o.idempotency_key!,
              o,
            ]),
          );
    return orders.map((o, k): CreateOutcome => {
      const row = rows[k]!;
      if (!row.known) return { kind: 'unknown_product' };
      if (row.created_at) {
        const order: OrderRow = {
          ...o,
          amount_cents: row.amount_cents,
          idempotency_key: o.idempotency_key ?? null,
          status: 'PENDING',
          reason: null,
          created_at: row.created_at,
          reserved_at: null,
          decided_at: null,
          payment_status: null,
          payment_attempts: null,
          payment_error: null,
          charge_id: null,
        };
        return { kind: 'created', order };
      }
      const winner = existing.get(o.idempotency_key!)!;
      const same = winner.product_id === o.product_id && winner.quantity === o.quantity;
      return { kind: same ? 'replayed' : 'key_reused', order: winner };
    });
  }
  const intake = new Batcher(insertOrders, 500);

  /**
   * GET /orders/:id for every request of a turn at once: a client following its order reads it
   * twice (before and after its long-poll), and the orders one consumer batch decides are re-read
   * together, so per-order queries would queue for the pool in front of the accepts.
   */
  async function readOrders(orderIds: string[]): Promise<(OrderWithResults | undefined)[]> {
    const ids = [...new Set(orderIds)];
    const [orders, results, notifications] = await Promise.all([
      pool.query<OrderRow>({ name: 'get-orders', text: `SELECT ${ORDER_COLUMNS} FROM orders WHERE order_id = ANY($1::uuid[])`, values: [ids] }),
      pool.query<ReplicaResultRow & { order_id: string }>({
        name: 'get-order-results',
        text: `SELECT order_id, instance_id, outcome, reason, available_quantity::int, reserved_quantity::int, log_partition, log_offset::int, received_at
               FROM order_results WHERE order_id = ANY($1::uuid[]) ORDER BY received_at`,
        values: [ids],
      }),
      notificationsOf(ids),
    ]);
    const resultsById = groupByOrder(results.rows);
    const byId = new Map(orders.rows.map((o) => [o.order_id, o]));
    return orderIds.map((id) => {
      const order = byId.get(id);
      return order && { ...order, results: resultsById.get(id) ?? [], notifications: notifications.get(id) ?? [] };
    });
  }

  /** notification-svc's rows of these orders (its table, in the same database), by order. */
  async function notificationsOf(ids: string[]): Promise<Map<string, NotificationRow[]>> {
    const { rows } = await pool.query<NotificationRow & { order_id: string }>({
      name: 'get-order-notifications',
      text: 'SELECT order_id, status, attempts, last_error, sent_at FROM notifications WHERE order_id = ANY($1::uuid[])',
      values: [ids],
    });
    return groupByOrder(rows);
  }
  const reads = new Batcher(readOrders, 500);

  return {
    /**
     * Accepts an order: the order and its OrderPlaced event are inserted together or not at all,
     * and only for a known product. Concurrent calls share one statement (see insertOrders).
     */
    create(input: CreateInput): Promise<CreateOutcome> {
      return intake.submit(input);
    },
    /** The order with every replica's result; concurrent reads share one pair of queries (see readOrders). */
    get(orderId: string): Promise<OrderWithResults | undefined> {
      return reads.submit(orderId);
    },

    /** The newest orders (of one status), each with its notification rows. */
    async list(status: OrderStatus | undefined, limit: number): Promise<(OrderRow & { notifications: NotificationRow[] })[]> {
      const { rows } = await pool.query<OrderRow>(
        `SELECT ${ORDER_COLUMNS} FROM orders WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at DESC LIMIT $2`,
        [status ?? null, limit],
      );
      const notifications = await notificationsOf(rows.map((o) => o.order_id));
      return rows.map((o) => ({ ...o, notifications: notifications.get(o.order_id) ?? [] }));
    },

    async countsByStatus(): Promise<Record<OrderStatus, number>> {
      const { rows } = await pool.query<{ status: OrderStatus; n: number }>('SELECT status, count(*)::int AS n FROM orders GROUP BY status');
      const counts = { PENDING: 0, RESERVED: 0, CONFIRMED: 0, REJECTED: 0, CANCELLED: 0 };
      for (const r of rows) counts[r.status] = r.n;
      return counts;
    },

    /**
     * A cancel goes into the log like any order event, so every replica releases what it reserved.
     * An order whose payment has started (RESERVED) or ended (CONFIRMED) is also withdrawn from
     * payment-svc, which keeps no charge for it (it stops trying, and refunds any capture).
     */
    async cancel(orderId: string): Promise<CancelOutcome> {
      return withOutbox(async (client, queue) => {
        const found = (await client.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE order_id = $1 FOR UPDATE`, [orderId])).rows[0];
        if (!found) return { kind: 'not_found' };
        if (found.status === 'REJECTED' || found.status === 'CANCELLED') return { kind: 'conflict', order: found };
        const order = (
          await client.query<OrderRow>(
            `UPDATE orders SET status = 'CANCELLED', decided_at = clock_timestamp(), updated_at = clock_timestamp() WHERE order_id = $1 RETURNING ${ORDER_COLUMNS}`,
            [orderId],
          )
        ).rows[0]!;
        await queue([
          { topic: 'orderEvents', event: orderCancelledEvent({ order_id: orderId, product_id: order.product_id }) },
          finalized({ ...order, at: order.decided_at! }),
          ...(found.status === 'PENDING' ? [] : [{ topic: 'orderSaga' as const, event: orderWithdrawnEvent({ order_id: orderId }) }]),
        ]);
        return { kind: 'cancelled', order };
      });
    },

    /** Puts the seed products into the log once, ever: a replica rebuilt from the log gets them too. */
    async seedProducts(): Promise<string[]> {
      return withOutbox(async (client, queue) => {
        const { rows } = await client.query<{ product_id: string }>(
          'INSERT INTO products (product_id, unit_price_cents) SELECT * FROM unnest($1::text[], $2::int[]) ON CONFLICT DO NOTHING RETURNING product_id',
          [SEED_PRODUCTS.map((p) => p.product_id), SEED_PRODUCTS.map((p) => p.unit_price_cents)],
        );
        const fresh = SEED_PRODUCTS.filter((p) => rows.some((r) => r.product_id === p.product_id));
        await queue(
          fresh.map((p) => ({ topic: 'orderEvents', event: stockSetEvent({ event_id: randomUUID(), product_id: p.product_id, quantity: p.quantity }) })),
        );
        return fresh.map((p) => p.product_id);
      });
    },

    /** Adds stock; a new product enters the catalogue at `unitPriceCents` or the default price, a known one changes price only if given one. */
    async restock(productId: string, quantity: number, unitPriceCents: number | undefined): Promise<string> {
      return withOutbox(async (client, queue) => {
        await client.query(
          `INSERT INTO products (product_id, unit_price_cents) VALUES ($1, COALESCE($2::int, $3::int))
           ON CONFLICT (product_id) DO UPDATE SET unit_price_cents = COALESCE($2::int, products.unit_price_cents)`,
          [productId, unitPriceCents ?? null, DEFAULT_UNIT_PRICE_CENTS],
        );
        const eventId = randomUUID();
        await queue([{ topic: 'orderEvents', event: stockRestockedEvent({ event_id: eventId, product_id: productId, quantity }) }]);
        return eventId;
      });
    },

    /**
     * Records replica results and decides the orders they complete, inside the consumer's
     * transaction. Results are keyed (order, replica, outcome), so a redelivered result is a no-op
     * and a dissent is reported once, when the dissenting result first arrives. Returns the
     * decisions, and the dissent reports to publish once the transaction has committed.
     */
    async recordResults(client: PoolClient, records: LogRecord<ReplicaResult>[]): Promise<{ decided: Decided[]; outbox: OutboxRow[] }> {
      const results = records.map((r) => r.event);
      // The new results and every earlier vote on the same orders, in one round trip: the read of
      // order_results sees the statement's snapshot, which lacks the rows the statement inserts.
      const { rows: votes } = await client.query<Vote>({
        name: 'record-results',
        text: `WITH fresh AS (
                 INSERT INTO order_results (order_id, instance_id, outcome, reason, available_quantity, reserved_quantity, log_partition, log_offset)
                 SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::int[], $8::bigint[])
                 ON CONFLICT DO NOTHING RETURNING order_id, instance_id, outcome, reason
               )
               SELECT order_id, instance_id, outcome, reason, true AS fresh FROM fresh WHERE outcome <> 'RELEASED'
               UNION ALL
               SELECT order_id, instance_id, outcome, reason, false FROM order_results
               WHERE order_id = ANY($1::uuid[]) AND outcome <> 'RELEASED'`,
        values: [
          results.map((r) => r.order_id),
          results.map((r) => r.instance_id),
          results.map((r) => r.outcome),
          results.map((r) => r.reason ?? null),
          results.map((r) => r.available_quantity),
          results.map((r) => r.reserved_quantity),
          results.map((r) => r.position.partition),
          results.map((r) => r.position.offset),
        ],
      });
      const { decisions, reports } = decideBatch(votes, SOURCE);
      const messages: OutboxMessage[] = reports.map((event) => ({ topic: 'replicaErrors', event }));
      if (decisions.length === 0) return { decided: [], outbox: await enqueue(client, SOURCE, topics, messages) };
      // Only PENDING orders change: a cancel that came first, or an earlier decision, stands. A
      // reserved order's payment starts here: its OrderReserved event commits with the status.
      // (An order accepted before products had prices has no amount: nothing to charge, so it is
      // CONFIRMED at once.)
      const updated = await client.query<Decided & FinalRow>({
        name: 'decide-orders',
        text: `UPDATE orders o SET
                 status = CASE WHEN d.status = 'RESERVED' AND o.amount_cents IS NULL THEN 'CONFIRMED' ELSE d.status END,
                 reason = d.reason,
                 reserved_at = CASE WHEN d.status = 'RESERVED' THEN clock_timestamp() END,
                 decided_at = CASE WHEN d.status = 'RESERVED' AND o.amount_cents IS NOT NULL THEN NULL ELSE clock_timestamp() END,
                 updated_at = clock_timestamp()
               FROM unnest($1::uuid[], $2::text[], $3::text[]) AS d(order_id, status, reason)
               WHERE o.order_id = d.order_id AND o.status = 'PENDING'
               RETURNING o.order_id, o.status, o.reason, o.created_at, o.updated_at AS at, o.product_id, o.quantity, o.amount_cents::int`,
        values: [
          decisions.map((d) => d.order_id),
          decisions.map((d) => d.decision.status),
          decisions.map((d) => (d.decision.status === 'REJECTED' ? d.decision.reason : null)),
        ],
      });
      for (const o of updated.rows) {
        if (o.status !== 'RESERVED') {
          messages.push(finalized(o));
          continue;
        }
        messages.push({
          topic: 'orderSaga',
          event: orderReservedEvent({
            order_id: o.order_id,
            product_id: o.product_id,
            quantity: o.quantity,
            amount_cents: o.amount_cents!,
            currency: CURRENCY,
            reserved_at: o.at.toISOString(),
          }),
        });
      }
      const decided = updated.rows.map(({ order_id, status, created_at, at }) => ({ order_id, status, created_at, at }));
      return { decided, outbox: await enqueue(client, SOURCE, topics, messages) };
    },

    /**
     * Records payment-svc's outcomes, inside the payment consumer's transaction: a RESERVED order
     * becomes CONFIRMED (captured) or CANCELLED with the failure's reason, and a cancelled one
     * gives its stock back through the log (the compensation: an event every replica applies
     * once). An order no longer RESERVED (the client cancelled it) keeps its status; its payment
     * is recorded all the same.
     */
    async recordPayments(client: PoolClient, records: LogRecord<PaymentSettled>[]): Promise<{ decided: Decided[]; outbox: OutboxRow[] }> {
      const events = records.map((r) => r.event);
      const { rows } = await client.query<Decided & FinalRow & { was: OrderStatus }>({
        name: 'record-payments',
        text: `WITH p AS (
                 SELECT DISTINCT ON (order_id) * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[]) WITH ORDINALITY
                   AS p(order_id, outcome, reason, charge_id, attempts, last_error, n) ORDER BY order_id, n DESC
               ), cur AS (
                 SELECT o.order_id, o.status AS was FROM orders o JOIN p USING (order_id) FOR UPDATE OF o
               )
               UPDATE orders o SET
                 status = CASE WHEN cur.was <> 'RESERVED' THEN o.status WHEN p.outcome = 'captured' THEN 'CONFIRMED' ELSE 'CANCELLED' END,
                 reason = CASE WHEN cur.was = 'RESERVED' AND p.outcome = 'failed' THEN p.reason ELSE o.reason END,
                 decided_at = CASE WHEN cur.was = 'RESERVED' THEN clock_timestamp() ELSE o.decided_at END,
                 payment_status = p.outcome, payment_attempts = p.attempts, payment_error = p.last_error, charge_id = p.charge_id,
                 updated_at = clock_timestamp()
               FROM p JOIN cur USING (order_id)
               WHERE o.order_id = p.order_id
               RETURNING o.order_id, o.status, o.reason, o.created_at, o.updated_at AS at, cur.was, o.product_id, o.quantity, o.amount_cents::int`,
        values: [
          events.map((e) => e.order_id),
          events.map((e) => e.outcome),
          events.map((e) => e.reason),
          events.map((e) => e.charge_id),
          events.map((e) => e.attempts),
          events.map((e) => e.last_error),
        ],
      });
      const settled = rows.filter((r) => r.was === 'RESERVED');
      const outbox = await enqueue(
        client,
        SOURCE,
        topics,
        settled.flatMap((r): OutboxMessage[] => [
          ...(r.status === 'CANCELLED' ? [{ topic: 'orderEvents' as const, event: orderCancelledEvent({ order_id: r.order_id, product_id: r.product_id }) }] : []),
          finalized(r),
        ]),
      );
      return { decided: settled.map(({ order_id, status, created_at, at }) => ({ order_id, status, created_at, at })), outbox };
    },
  };
}
export type OrderStore = ReturnType<typeof createOrderStore>;

export type OrderWithResults = OrderRow & { results: ReplicaResultRow[]; notifications: NotificationRow[] };

/** notification-svc's record of one outcome email of an order: `status` is the order status it tells. */
export interface NotificationRow {
  status: string;
  attempts: number;
  last_error: string | null;
  sent_at: Date | null;
}

/** Rows keyed by their order, each list in the rows' order. */
function groupByOrder<T extends { order_id: string }>(rows: T[]): Map<string, Omit<T, 'order_id'>[]> {
  const byOrder = new Map<string, Omit<T, 'order_id'>[]>();
  for (const { order_id, ...row } of rows) {
    const list = byOrder.get(order_id) ?? [];
    byOrder.set(order_id, list);
    list.push(row);
  }
  return byOrder;
}

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
