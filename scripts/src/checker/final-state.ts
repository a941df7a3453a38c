import { setTimeout as sleep } from 'node:timers/promises';
import { REPLICA_IDS, SEED_PRODUCTS, createPool, type Logger, type OrderStatus, type Pool } from '@ftlab/shared';
import type { FinalState, PaymentLedger, ReplicaState, ReservationRow } from './history';
import { stockInputs } from './model';
import { logEnd, type OrderLog, type OrderLogAddress } from './order-log';

/**
 * Adapter: what the system ended with, from Postgres (every replica's rows, keyed by
 * instance_id, and the orders table), plus the order log when it was read. And the wait before
 * it: a history is judged once the system has settled, not while orders are still in flight.
 */

const replicaConsumer = (id: string) => `inventory-${id}`;

/**
 * Waits until nothing is in flight: no PENDING or RESERVED order (a payment under way), no charge
 * payment-svc still has to look up (and maybe refund), an empty outbox, and every replica's
 * offsets at the log's end. Gives up after `timeoutMs` (what is still open then is the checker's
 * to judge) and says what it waited for.
 */
export async function awaitSettled(
  pool: Pool,
  log: OrderLogAddress | undefined,
  logger: Logger,
  timeoutMs = 30_000,
): Promise<{ settled: boolean; waitedMs: number; open: string }> {
  const started = Date.now();
  let open = '';
  for (;;) {
    const { rows } = await pool.query<{ pending: number; outbox: number; unchecked: number }>(
      `SELECT (SELECT count(*)::int FROM orders WHERE status IN ('PENDING', 'RESERVED')) AS pending, (SELECT count(*)::int FROM outbox) AS outbox,
              (SELECT count(*)::int FROM payments WHERE check_charge) AS unchecked`,
    );
    const { pending, outbox, unchecked } = rows[0]!;
    open = pending + outbox + unchecked > 0 ? `${pending} PENDING or RESERVED order(s), ${outbox} outbox row(s), ${unchecked} charge(s) payment-svc has yet to check` : '';
    if (!open && log) {
      const end = await logEnd(log.brokers, log.topic, logger);
      const behind = await replicasBehind(pool, log.topic, end);
      open = behind.join(', ');
    }
    const waitedMs = Date.now() - started;
    if (!open || waitedMs >= timeoutMs) return { settled: !open, waitedMs, open };
    await sleep(100);
  }
}

async function replicasBehind(pool: Pool, topic: string, end: Record<string, number>): Promise<string[]> {
  const { rows } = await pool.query<{ consumer: string; log_partition: number; next_offset: string }>(
    'SELECT consumer, log_partition, next_offset FROM consumer_offsets WHERE topic = $1 AND consumer = ANY($2::text[])',
    [topic, REPLICA_IDS.map(replicaConsumer)],
  );
  const behind: string[] = [];
  for (const id of REPLICA_IDS) {
    for (const [p, high] of Object.entries(end)) {
      const next = Number(rows.find((r) => r.consumer === replicaConsumer(id) && String(r.log_partition) === p)?.next_offset ?? 0);
      if (next < high) behind.push(`replica ${id} at ${next} of ${high} in partition ${p}`);
    }
  }
  return behind;
}

/**
 * The final state. Without the order log (no broker to read), the stock that entered the log is
 * taken to be the seed stock with no restocks, and reads are not judged.
 */
/**
 * The payment provider's books (its own database, see lib/system.ts paymentLedgerUrl): every
 * capture and refund by order. undefined when the system has no such ledger (the database does
 * not exist): the payments check is then not applicable.
 */
export async function readPaymentLedger(ledgerUrl: string): Promise<PaymentLedger | undefined> {
  const pool = createPool(ledgerUrl, 1);
  try {
    const [captures, refunds] = await Promise.all([
      pool.query<{ order_id: string; amount: number }>("SELECT order_id, amount_cents::int AS amount FROM gateway_charges WHERE status = 'captured'"),
      pool.query<{ order_id: string; amount: number }>('SELECT c.order_id, r.amount_cents::int AS amount FROM gateway_refunds r JOIN gateway_charges c ON c.id = r.charge_id'),
    ]);
    const rows = (r: { rows: { order_id: string; amount: number }[] }) => r.rows.map((x) => ({ orderId: x.order_id, amount: x.amount }));
    return { captures: rows(captures), refunds: rows(refunds) };
  } catch (err) {
    // 3D000: no such database; 42P01: the gateway never started (no tables).
    if (['3D000', '42P01'].includes((err as { code?: string }).code ?? '')) return undefined;
    throw err;
  } finally {
    await pool.end();
  }
}

export async function readFinalState(pool: Pool, topic: string, log: OrderLog | undefined, payments?: PaymentLedger): Promise<FinalState> {
  const [stock, reservations, events, offsets, orders] = await Promise.all([
    pool.query<{ instance_id: string; product_id: string; available_quantity: string; reserved_quantity: string }>(
      'SELECT instance_id, product_id, available_quantity, reserved_quantity FROM replica_stock',
    ),
    pool.query<{ instance_id: string; order_id: string; product_id: string; quantity: number; state: ReservationRow['state'] }>(
      'SELECT instance_id, order_id, product_id, quantity, state FROM replica_reservations',
    ),
    pool.query<{ instance_id: string; event_id: string }>('SELECT instance_id, event_id FROM replica_stock_events'),
    pool.query<{ consumer: string; log_partition: number; next_offset: string }>(
      'SELECT consumer, log_partition, next_offset FROM consumer_offsets WHERE topic = $1',
      [topic],
    ),
    pool.query<{ order_id: string; product_id: string; quantity: number; status: OrderStatus; decided_at: Date | null }>(
      'SELECT order_id, product_id, quantity, status, decided_at FROM orders ORDER BY created_at',
    ),
  ]);
  // Every replica is there, even one without a single row: that is a replica that lost everything.
  const replicas: Record<string, Required<ReplicaState>> = {};
  const replica = (id: string) => (replicas[id] ??= { stock: {}, reservations: {}, appliedStockEvents: [], nextOffsets: {} });
  for (const id of REPLICA_IDS) replica(id);
  for (const r of stock.rows) replica(r.instance_id).stock[r.product_id] = { available: Number(r.available_quantity), reserved: Number(r.reserved_quantity) };
  for (const r of reservations.rows) replica(r.instance_id).reservations[r.order_id] = { productId: r.product_id, quantity: r.quantity, state: r.state };
  for (const r of events.rows) replica(r.instance_id).appliedStockEvents.push(r.event_id);
  for (const id of REPLICA_IDS) {
    for (const r of offsets.rows) if (r.consumer === replicaConsumer(id)) replica(id).nextOffsets[String(r.log_partition)] = Number(r.next_offset);
  }
  const inputs = log
    ? stockInputs(log.records)
    : { initialStock: Object.fromEntries(SEED_PRODUCTS.map((p) => [p.product_id, p.quantity])), restocks: [] };
  return {
    replicas,
    orders: orders.rows.map((o) => ({ orderId: o.order_id, productId: o.product_id, quantity: o.quantity, status: o.status, decidedAtMs: o.decided_at?.getTime() ?? null })),
    ...inputs,
    ...(log ? { log: log.records, logEnd: log.end } : {}),
    ...(payments ? { payments } : {}),
  };
}
