import {
  Batcher,
  enqueue,
  paymentSettledEvent,
  withTransaction,
  type LogRecord,
  type OutboxRow,
  type paymentGateway,
  type Pool,
  type PoolClient,
  type SagaEvent,
  type Topics,
} from '@ftlab/shared';
import type { Settlement } from './saga';

export const SOURCE = 'payment-svc';

/** A payment whose attempts are (still) to be made. */
export interface OpenPayment {
  order_id: string;
  amount_cents: number;
  currency: paymentGateway.Currency;
  reserved_at: Date;
  attempts: number;
}

/** A settled payment whose charge the gateway is to be asked about again. */
export interface PaymentToCheck {
  order_id: string;
  status: 'captured' | 'failed';
  withdrawn: boolean;
  /** When it settled (or was withdrawn since). */
  updated_at: Date;
}

export interface SettleInput {
  order_id: string;
  settlement: Settlement;
  attempts: number;
  last_error: string | null;
}

const OPEN_COLUMNS = 'order_id, amount_cents::int, currency, reserved_at, attempts';

/**
 * payment-svc's table (`payments`), each change in one transaction with what it implies: an
 * OrderReserved event becomes a row in the saga consumer's transaction (with its offsets, so
 * exactly once), and a settlement commits with its PaymentSettled event in the outbox.
 */
export function createPaymentStore(pool: Pool, topics: Topics, deadlineMs: number) {
  /** Settlements that end together share one transaction (see Batcher). */
  async function settleMany(inputs: SettleInput[]): Promise<{ settled: boolean; outbox: OutboxRow[] }[]> {
    return withTransaction(pool, async (client) => {
      // A payment settles once: a second settlement of the same order (a resumed charge racing the
      // first after a restart) changes nothing and publishes nothing.
      const { rows } = await client.query<{ order_id: string }>({
        name: 'settle-payments',
        text: `UPDATE payments p SET status = s.status, reason = s.reason, charge_id = s.charge_id, attempts = s.attempts, last_error = s.last_error,
                 check_charge = s.check_charge OR (p.withdrawn AND s.status = 'captured'), updated_at = clock_timestamp()
               FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::bool[])
                 AS s(order_id, status, reason, charge_id, attempts, last_error, check_charge)
               WHERE p.order_id = s.order_id AND p.status = 'charging'
               RETURNING p.order_id`,
        values: [
          inputs.map((i) => i.order_id),
          inputs.map((i) => i.settlement.outcome),
          inputs.map((i) => (i.settlement.outcome === 'failed' ? i.settlement.reason : null)),
          inputs.map((i) => i.settlement.chargeId),
          inputs.map((i) => i.attempts),
          inputs.map((i) => i.last_error),
          inputs.map((i) => i.settlement.outcome === 'failed' && i.settlement.checkCharge),
        ],
      });
      const settled = new Set(rows.map((r) => r.order_id));
      const mine = inputs.filter((i) => settled.has(i.order_id));
      const outbox = await enqueue(
        client,
        SOURCE,
        topics,
        mine.map((i) => ({
          topic: 'paymentResults' as const,
          event: paymentSettledEvent({
            order_id: i.order_id,
            outcome: i.settlement.outcome,
            reason: i.settlement.outcome === 'failed' ? i.settlement.reason : null,
            charge_id: i.settlement.chargeId,
            attempts: i.attempts,
            last_error: i.last_error?.slice(0, 500) ?? null,
          }),
        })),
      );
      const byOrder = new Map(mine.map((i, k) => [i.order_id, outbox[k]!]));
      return inputs.map((i) => (byOrder.has(i.order_id) ? { settled: true, outbox: [byOrder.get(i.order_id)!] } : { settled: false, outbox: [] }));
    });
  }
  const settlements = new Batcher(settleMany, 500);

  return {
    /**
     * The saga's requests, in the consumer's transaction: a reserved order becomes a payment to
     * make (once: a redelivered event finds its row), a withdrawn one is marked so that no charge
     * is kept for it. Returns the payments to start charging once the transaction has committed.
     */
    async applySaga(client: PoolClient, records: LogRecord<SagaEvent>[]): Promise<OpenPayment[]> {
      const reserved = records.flatMap((r) => (r.event.type === 'OrderReserved' ? [r.event] : []));
      const withdrawn = records.flatMap((r) => (r.event.type === 'OrderWithdrawn' ? [r.event.order_id] : []));
      const { rows } = await client.query<OpenPayment>({
        name: 'insert-payments',
        text: `INSERT INTO payments (order_id, amount_cents, currency, reserved_at, deadline_at, status)
               SELECT order_id, amount_cents, currency, reserved_at, reserved_at + make_interval(secs => $5::float8 / 1000), 'charging'
               FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::timestamptz[]) AS i(order_id, amount_cents, currency, reserved_at)
               ON CONFLICT (order_id) DO NOTHING
               RETURNING ${OPEN_COLUMNS}`,
        values: [reserved.map((e) => e.order_id), reserved.map((e) => e.amount_cents), reserved.map((e) => e.currency), reserved.map((e) => e.reserved_at), deadlineMs],
      });
      if (withdrawn.length > 0) {
        // Still charging: the settlement will look (a capture of a withdrawn order is refunded).
        await client.query({
          name: 'withdraw-payments',
          text: `UPDATE payments SET withdrawn = true, check_charge = check_charge OR status <> 'charging', updated_at = clock_timestamp()
                 WHERE order_id = ANY($1::uuid[])`,
          values: [withdrawn],
        });
      }
      return rows;
    },

    /** Payments still charging: after a restart they are resumed (their deadline counts from RESERVED, not from now). */
    async openPayments(): Promise<OpenPayment[]> {
      return (await pool.query<OpenPayment>(`SELECT ${OPEN_COLUMNS} FROM payments WHERE status = 'charging' ORDER BY reserved_at`)).rows;
    },

    /** Records how a payment ended and queues its PaymentSettled event; `settled` false: it had already ended. */
    settle(input: SettleInput): Promise<{ settled: boolean; outbox: OutboxRow[] }> {
      return settlements.submit(input);
    },

    async toCheck(limit: number): Promise<PaymentToCheck[]> {
      const { rows } = await pool.query<PaymentToCheck>(
        `SELECT order_id, status, withdrawn, updated_at FROM payments WHERE check_charge AND status <> 'charging' ORDER BY updated_at LIMIT $1`,
        [limit],
      );
      return rows;
    },

    /** The gateway answered about the charge (and any refund it called for is made): nothing more to ask. */
    async checked(orderId: string, refundId: string | null): Promise<void> {
      await pool.query('UPDATE payments SET check_charge = false, refund_id = COALESCE($2, refund_id), updated_at = clock_timestamp() WHERE order_id = $1', [
        orderId,
        refundId,
      ]);
    },

    async counts(): Promise<{ charging: number; to_check: number }> {
      const { rows } = await pool.query<{ charging: number; to_check: number }>(
        "SELECT count(*) FILTER (WHERE status = 'charging')::int AS charging, count(*) FILTER (WHERE check_charge)::int AS to_check FROM payments WHERE status = 'charging' OR check_charge",
      );
      return rows[0]!;
    },
  };
}
export type PaymentStore = ReturnType<typeof createPaymentStore>;
