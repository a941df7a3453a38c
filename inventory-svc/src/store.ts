import type { LogRecord, InventoryEvent, Pool, PoolClient } from '@ftlab/shared';
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

    /** The ledger a batch needs: committed stock from memory, and the reservations and stock events it mentions. */
    async loadLedger(client: PoolClient, records: LogRecord<InventoryEvent>[], committedStock: Iterable<ProductStock>): Promise<Ledger> {
      const orderIds = records.flatMap((r) => ('order_id' in r.event ? [r.event.order_id] : []));
      const stockEventIds = records.flatMap((r) => ('event_id' in r.event ? [r.event.event_id] : []));
      const [reservations, applied] = await Promise.all([
        orderIds.length === 0
          ? { rows: [] as Reservation[] }
          : client.query<Reservation>(
              'SELECT order_id, product_id, quantity, state FROM replica_reservations WHERE instance_id = $1 AND order_id = ANY($2::uuid[])',
              [instanceId, orderIds],
            ),
        stockEventIds.length === 0
          ? { rows: [] as { event_id: string }[] }
          : client.query<{ event_id: string }>(
              'SELECT event_id FROM replica_stock_events WHERE instance_id = $1 AND event_id = ANY($2::uuid[])',
              [instanceId, stockEventIds],
            ),
      ]);
      return new Ledger(committedStock, reservations.rows, applied.rows.map((r) => r.event_id));
    },

    /** Writes back exactly the rows the batch changed. */
    async saveLedger(client: PoolClient, ledger: Ledger): Promise<void> {
      const stock = [...ledger.dirtyStock].map((id) => ledger.stock.get(id)!);
      const reservations = [...ledger.dirtyReservations].map((id) => ledger.reservations.get(id)!);
      if (stock.length > 0) {
        await client.query(
          `INSERT INTO replica_stock (instance_id, product_id, available_quantity, reserved_quantity, log_partition)
           SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::int[])
           ON CONFLICT (instance_id, product_id) DO UPDATE
             SET available_quantity = EXCLUDED.available_quantity, reserved_quantity = EXCLUDED.reserved_quantity,
                 log_partition = EXCLUDED.log_partition`,
          [
            instanceId,
            stock.map((s) => s.product_id),
            stock.map((s) => s.available_quantity),
            stock.map((s) => s.reserved_quantity),
            stock.map((s) => s.partition),
          ],
        );
      }
      if (reservations.length > 0) {
        await client.query(
          `INSERT INTO replica_reservations (instance_id, order_id, product_id, quantity, state)
           SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::int[], $5::text[])
           ON CONFLICT (instance_id, order_id) DO UPDATE SET quantity = EXCLUDED.quantity, state = EXCLUDED.state`,
          [
            instanceId,
            reservations.map((r) => r.order_id),
            reservations.map((r) => r.product_id),
            reservations.map((r) => r.quantity),
            reservations.map((r) => r.state),
          ],
        );
      }
      if (ledger.newStockEvents.size > 0) {
        await client.query('INSERT INTO replica_stock_events (instance_id, event_id) SELECT $1, unnest($2::uuid[])', [
          instanceId,
          [...ledger.newStockEvents],
        ]);
      }
    },
  };
}
export type InventoryStore = ReturnType<typeof createInventoryStore>;

/** Fault injections are recorded in Postgres so TTD and TTR are measured on the database's clock. */
export function createFaultLog(pool: Pool, instanceId: string) {
  const clearOpen = 'UPDATE fault_injections SET cleared_at = clock_timestamp() WHERE instance_id = $1 AND cleared_at IS NULL';
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
