import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { applySchema, createPool, ensureDatabase, withTransaction, type paymentGateway, type Pool, type PoolClient } from '@ftlab/shared';
import { chargeParams, compareReuse, refundParams, type Reuse } from './idempotency';
import { decideRefund, type RefundDecision } from './refund-rule';

/** The gateway's own schema, beside its package (not the services' init.sql). */
const SCHEMA_PATH = path.resolve(__dirname, '..', 'schema.sql');

export async function openLedgerDatabase(url: string): Promise<Pool> {
  await ensureDatabase(url);
  const pool = createPool(url, 10);
  await applySchema(pool, fs.readFileSync(SCHEMA_PATH, 'utf8'));
  return pool;
}

const newId = (prefix: 'ch' | 're') => `${prefix}_${crypto.randomBytes(12).toString('hex')}`;

export type Stored<T> = { value: T; replayed: boolean } | { conflict: string };
export type RefundOutcome = Stored<paymentGateway.Refund> | { missing: true } | Extract<RefundDecision, { ok: false }>;

const CHARGE_VIEW = `
  SELECT c.id, c.status, c.amount_cents::int, c.currency, c.order_id, c.description, c.decline_code,
         coalesce((SELECT sum(r.amount_cents) FROM gateway_refunds r WHERE r.charge_id = c.id), 0)::int AS amount_refunded_cents,
         c.idempotency_key, to_json(c.created_at)#>>'{}' AS created_at
    FROM gateway_charges c`;
const REFUND_VIEW = `
  SELECT id, charge_id, amount_cents::int, requested_amount_cents::int, 'succeeded' AS status, idempotency_key,
         to_json(created_at)#>>'{}' AS created_at
    FROM gateway_refunds`;

type RefundRow = paymentGateway.Refund & { requested_amount_cents: number | null };
const UNIQUE_VIOLATION = '23505';

function reused<T>(stored: T, reuse: Reuse): Stored<T> {
  return reuse.replay ? { value: stored, replayed: true } : { conflict: reuse.field };
}

function withoutRequested({ requested_amount_cents, ...refund }: RefundRow): paymentGateway.Refund {
  return refund;
}

/** The provider's books in Postgres. Uniqueness of idempotency keys is the database's job. */
export function createGatewayStore(pool: Pool) {
  const chargeWhere = async (db: Pool | PoolClient, where: string, value: string) =>
    (await db.query<paymentGateway.Charge>(`${CHARGE_VIEW} WHERE ${where} = $1`, [value])).rows[0];

  const refundByKey = async (db: Pool | PoolClient, key: string) =>
    (await db.query<RefundRow>(`${REFUND_VIEW} WHERE idempotency_key = $1`, [key])).rows[0];

  const refundOnce = (key: string, request: paymentGateway.RefundRequest): Promise<RefundOutcome> =>
    withTransaction(pool, async (client) => {
      // The row lock serialises refunds of one charge, so two of them cannot both take "what is
      // left"; the reads below are statements of their own, so they see every refund committed
      // before the lock was granted (a lock inside one statement would keep its older snapshot).
      await client.query('SELECT 1 FROM gateway_charges WHERE id = $1 FOR UPDATE', [request.charge_id]);
      const earlier = await refundByKey(client, key);
      if (earlier) return reused(withoutRequested(earlier), compareReuse(refundParams({ charge_id: earlier.charge_id, amount_cents: earlier.requested_amount_cents ?? undefined }), refundParams(request)));
      const charge = await chargeWhere(client, 'c.id', request.charge_id);
      if (!charge) return { missing: true };
      const decision = decideRefund(charge, request.amount_cents);
      if (!decision.ok) return decision;
      const row = await client.query<RefundRow>(
        `INSERT INTO gateway_refunds (id, idempotency_key, charge_id, requested_amount_cents, amount_cents) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, charge_id, amount_cents::int, requested_amount_cents::int, 'succeeded' AS status, idempotency_key, to_json(created_at)#>>'{}' AS created_at`,
        [newId('re'), key, request.charge_id, request.amount_cents ?? null, decision.amount_cents],
      );
      return { value: withoutRequested(row.rows[0]!), replayed: false };
    });

  return {
    /** Inserts the charge unless the key exists; a concurrent twin waits on the unique index and then replays. */
    async charge(key: string, request: paymentGateway.ChargeRequest, decline: boolean): Promise<Stored<paymentGateway.Charge>> {
      const inserted = await pool.query(
        `INSERT INTO gateway_charges (id, idempotency_key, order_id, amount_cents, currency, description, status, decline_code)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
        [newId('ch'), key, request.order_id, request.amount_cents, request.currency, request.description ?? null, decline ? 'declined' : 'captured', decline ? 'card_declined' : null],
      );
      const stored = (await chargeWhere(pool, 'c.idempotency_key', key))!;
      if (inserted.rowCount === 1) return { value: stored, replayed: false };
      return reused(stored, compareReuse(chargeParams({ ...stored, description: stored.description ?? undefined }), chargeParams(request)));
    },

    chargeById: (id: string) => chargeWhere(pool, 'c.id', id),
    chargeByKey: (key: string) => chargeWhere(pool, 'c.idempotency_key', key),

    /** One refund per key; a concurrent twin under the same key fails on the unique index and is read back. */
    async refund(key: string, request: paymentGateway.RefundRequest): Promise<RefundOutcome> {
      try {
        return await refundOnce(key, request);
      } catch (err) {
        if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
        return refundOnce(key, request);
      }
    },

    async ledger(orderId: string | undefined): Promise<paymentGateway.Ledger> {
      const { rows } = await pool.query<{ captured: number; captured_cents: number; declined: number; refunds: number; refunded_cents: number }>(
        `SELECT count(*) FILTER (WHERE c.status = 'captured')::int AS captured,
                coalesce(sum(c.amount_cents) FILTER (WHERE c.status = 'captured'), 0)::bigint::float8 AS captured_cents,
                count(*) FILTER (WHERE c.status = 'declined')::int AS declined,
                (SELECT count(*) FROM gateway_refunds r JOIN gateway_charges rc ON rc.id = r.charge_id WHERE $1::text IS NULL OR rc.order_id = $1)::int AS refunds,
                (SELECT coalesce(sum(r.amount_cents), 0) FROM gateway_refunds r JOIN gateway_charges rc ON rc.id = r.charge_id WHERE $1::text IS NULL OR rc.order_id = $1)::float8 AS refunded_cents
           FROM gateway_charges c WHERE $1::text IS NULL OR c.order_id = $1`,
        [orderId ?? null],
      );
      const r = rows[0]!;
      return {
        charges: { captured: { count: r.captured, amount_cents: r.captured_cents }, declined: { count: r.declined } },
        refunds: { count: r.refunds, amount_cents: r.refunded_cents },
        net_cents: r.captured_cents - r.refunded_cents,
      };
    },
  };
}
export type GatewayStore = ReturnType<typeof createGatewayStore>;
