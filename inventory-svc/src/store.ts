import type { LogRecord, InventoryEvent, Pool, PoolClient } from '@ftlab/shared';
import type { ProductTotals } from './integrity';
import { Ledger, type ProductStock, type Reservation } from './state-machine';

/** SQL for one replica's own rows. Every query is scoped by instance_id: replicas share no rows. */
export function createInventoryStore(pool: Pool, instanceId: string) {
  return {
    async loadStock(): Promise<ProductStock[]> {
      const { rows } = await pool.query<{ product_id: string; available_quantity: string; reserved_quantity: string; log_partition: number }>(
        'SELECT product_id, available_quantity, reserved_quantity, log_partition FROM replica_stock WHERE instance_id = $1',
        [instanceId],
      );
      return rows.map((r) => ({
        product_id: r.product_id,
        available_quantity: Number(r.available_quantity),
        reserved_quantity: Number(r.reserved_quantity),
        partition: r.log_partition,
      }));
    },

    /** Per product, the stock row and what its RESERVED reservations add up to; and how many events the offsets say were applied. */
    async loadTotals(consumer: string): Promise<{ products: ProductTotals[]; eventsApplied: number }> {
      const { rows } = await pool.query<{ product_id: string; available_quantity: string | null; reserved_quantity: string | null; reserved: string; applied: string }>(
        `SELECT product_id, s.available_quantity, s.reserved_quantity, COALESCE(r.reserved, 0) AS reserved,
                (SELECT COALESCE(sum(next_offset), 0) FROM consumer_offsets WHERE consumer = $2) AS applied
         FROM (SELECT product_id, available_quantity, reserved_quantity FROM replica_stock WHERE instance_id = $1) s
         FULL JOIN (SELECT product_id, sum(quantity) AS reserved FROM replica_reservations
                    WHERE instance_id = $1 AND state = 'RESERVED' GROUP BY product_id) r USING (product_id)`,
        [instanceId, consumer],
      );
      const applied = rows.length > 0 ? Number(rows[0]!.applied) : 0;
      return {
        eventsApplied: applied,
        products: rows.map((r) => ({
          product_id: r.product_id,
          stock: r.available_quantity === null ? null : { available_quantity: Number(r.available_quantity), reserved_quantity: Number(r.reserved_quantity) },
          reserved_by_reservations: Number(r.reserved),
        })),
      };
    },

    /** Deletes every row of this replica (inside the rebuild's transaction, which also rewinds its offsets). */
    async wipe(client: PoolClient): Promise<void> {
      for (const table of ['replica_stock', 'replica_reservations', 'replica_stock_events']) {
        await client.query(`DELETE FROM ${table} WHERE instance_id = $1`, [instanceId]);
      }
    },

    /**
     * The ledger a batch needs: committed stock from memory, and from the table the reservations
     * and stock events the batch mentions (one round trip).
     */
    async loadLedger(client: PoolClient, records: LogRecord<InventoryEvent>[], committedStock: Iterable<ProductStock>): Promise<Ledger> {
      const orderIds = records.flatMap((r) => ('order_id' in r.event ? [r.event.order_id] : []));
      const stockEventIds = records.flatMap((r) => ('event_id' in r.event ? [r.event.event_id] : []));
      // Stock events are rare: without any, only the reservations are read (a lookup by key).
      const reservationsSql = `SELECT order_id, product_id, quantity, state, NULL::uuid AS event_id FROM replica_reservations
                               WHERE instance_id = $1 AND order_id = ANY($2::uuid[])`;
      const { rows } = await client.query<{ order_id: string | null; product_id: string; quantity: number; state: Reservation['state']; event_id: string | null }>(
        stockEventIds.length === 0
          ? { name: 'load-reservations', text: reservationsSql, values: [instanceId, orderIds] }
          : {
              name: 'load-ledger',
              text: `${reservationsSql} UNION ALL
                     SELECT NULL, NULL, NULL, NULL, event_id FROM replica_stock_events WHERE instance_id = $1 AND event_id = ANY($3::uuid[])`,
              values: [instanceId, orderIds, stockEventIds],
            },
      );
      const reservations = rows.flatMap((r) => (r.order_id ? [{ order_id: r.order_id, product_id: r.product_id, quantity: r.quantity, state: r.state }] : []));
      return new Ledger(committedStock, reservations, rows.flatMap((r) => (r.event_id ? [r.event_id] : [])));
    },

    /** Writes back exactly the rows the batch changed, in one statement. */
    async saveLedger(client: PoolClient, ledger: Ledger): Promise<void> {
      const stock = [...ledger.dirtyStock].map((id) => ledger.stock.get(id)!);
      const reservations = [...ledger.dirtyReservations].map((id) => ledger.reservations.get(id)!);
      await client.query({
        name: 'save-ledger',
        text: `WITH stock AS (
                 INSERT INTO replica_stock (instance_id, product_id, available_quantity, reserved_quantity, log_partition)
                 SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::int[])
                 ON CONFLICT (instance_id, product_id) DO UPDATE
                   SET available_quantity = EXCLUDED.available_quantity, reserved_quantity = EXCLUDED.reserved_quantity,
                       log_partition = EXCLUDED.log_partition
               ), reservations AS (
                 INSERT INTO replica_reservations (instance_id, order_id, product_id, quantity, state)
                 SELECT $1, * FROM unnest($6::uuid[], $7::text[], $8::int[], $9::text[])
                 ON CONFLICT (instance_id, order_id) DO UPDATE SET quantity = EXCLUDED.quantity, state = EXCLUDED.state
               )
               INSERT INTO replica_stock_events (instance_id, event_id) SELECT $1, unnest($10::uuid[])`,
        values: [
          instanceId,
          stock.map((s) => s.product_id),
          stock.map((s) => s.available_quantity),
          stock.map((s) => s.reserved_quantity),
          stock.map((s) => s.partition),
          reservations.map((r) => r.order_id),
          reservations.map((r) => r.product_id),
          reservations.map((r) => r.quantity),
          reservations.map((r) => r.state),
          [...ledger.newStockEvents],
        ],
      });
    },
  };
}
export type InventoryStore = ReturnType<typeof createInventoryStore>;

/** Fault injections are recorded in Postgres so TTD and TTR are measured on the database's clock. */
export function createFaultLog(pool: Pool, instanceId: string) {
  // Only the replica's own faults: a pause or a duplicate is the launcher's, and the launcher ends it.
  const clearOpen = `UPDATE fault_injections SET cleared_at = clock_timestamp()
                     WHERE instance_id = $1 AND cleared_at IS NULL AND fault_type NOT IN ('pause', 'duplicate')`;
  return {
    async injected(type: string, params: object): Promise<{ id: string; injected_at: Date }> {
      const { rows } = await pool.query<{ id: string; injected_at: Date }>(
        `WITH cleared AS (${clearOpen})
         INSERT INTO fault_injections (instance_id, fault_type, params) VALUES ($1, $2, $3) RETURNING id, injected_at`,
        [instanceId, type, JSON.stringify(params)],
      );
      return rows[0]!;
    },
    /** Marks the open injection cleared: by a clear command, or by a restart (a restarted replica starts clean). */
    async cleared(): Promise<number> {
      const result = await pool.query(clearOpen, [instanceId]);
      return result.rowCount ?? 0;
    },
  };
}
export type FaultLog = ReturnType<typeof createFaultLog>;
