import type { LogPosition } from '@ftlab/shared';
import type { LogRecord, ReservationRow, StockRow } from './history';

/**
 * The checker's own model of a replica: the order log replayed by rules written here, not
 * imported from inventory-svc, so a bug in the replicas' state machine shows up as a difference
 * instead of being reproduced (Jepsen's model vs. the system). The rules are the documented ones:
 * StockSet sets available once per event id, StockRestocked adds once per event id, OrderPlaced
 * reserves if enough is available (once per order), OrderCancelled releases a reservation.
 *
 * It also keeps every value each product had, by log offset, so a read's (partition, offset)
 * maps to exactly one value: a replica that applied the log up to that offset holds that value.
 */

export interface Replay {
  stock: Map<string, StockRow>;
  reservations: Map<string, ReservationRow>;
  appliedStockEvents: Set<string>;
  /** Partition each product's events are in (keyed by product id, Kafka keeps one partition). */
  partitionOf: Map<string, number>;
  /** product → its values in log order, each with the offset of the event that produced it. */
  values: Map<string, { offset: number; row: StockRow }[]>;
}

export function replayLog(log: readonly LogRecord[]): Replay {
  const replay: Replay = { stock: new Map(), reservations: new Map(), appliedStockEvents: new Set(), partitionOf: new Map(), values: new Map() };
  const ordered = [...log].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const record of ordered) apply(replay, record);
  return replay;
}

function setStock(replay: Replay, productId: string, row: StockRow, record: LogRecord): void {
  replay.stock.set(productId, row);
  replay.partitionOf.set(productId, record.partition);
  let values = replay.values.get(productId);
  if (!values) replay.values.set(productId, (values = []));
  values.push({ offset: record.offset, row });
}

function apply(replay: Replay, record: LogRecord): void {
  const e = record.event;
  const stock = replay.stock.get(e.product_id);
  switch (e.type) {
    case 'StockSet':
    case 'StockRestocked': {
      if (replay.appliedStockEvents.has(e.event_id)) return;
      replay.appliedStockEvents.add(e.event_id);
      const available = e.type === 'StockSet' ? e.quantity : (stock?.available ?? 0) + e.quantity;
      return setStock(replay, e.product_id, { available, reserved: stock?.reserved ?? 0 }, record);
    }
    case 'OrderPlaced': {
      if (replay.reservations.has(e.order_id)) return;
      const fits = stock !== undefined && stock.available >= e.quantity;
      replay.reservations.set(e.order_id, { productId: e.product_id, quantity: e.quantity, state: fits ? 'RESERVED' : 'REJECTED' });
      if (fits) setStock(replay, e.product_id, { available: stock.available - e.quantity, reserved: stock.reserved + e.quantity }, record);
      return;
    }
    case 'OrderCancelled': {
      const reservation = replay.reservations.get(e.order_id);
      if (reservation?.state === 'RELEASED') return;
      if (reservation?.state === 'RESERVED' && stock) {
        setStock(replay, e.product_id, { available: stock.available + reservation.quantity, reserved: stock.reserved - reservation.quantity }, record);
      }
      replay.reservations.set(e.order_id, { productId: e.product_id, quantity: reservation?.quantity ?? 0, state: 'RELEASED' });
    }
  }
}

export type ValueAt = { kind: 'value'; row: StockRow } | { kind: 'absent' } | { kind: 'other_partition'; partition: number } | { kind: 'unknown_product' };

/**
 * What a replica that applied every record of `position.partition` up to `position.offset`
 * holds for `productId`. A product whose events are in another partition cannot be answered at
 * that position at all.
 */
export function valueAt(replay: Replay, productId: string, position: LogPosition): ValueAt {
  const partition = replay.partitionOf.get(productId);
  if (partition === undefined) return { kind: 'unknown_product' };
  if (partition !== position.partition) return { kind: 'other_partition', partition };
  // Binary search for the last change at or before the offset: a long-lived log has many values per product.
  const values = replay.values.get(productId) ?? [];
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]!.offset <= position.offset) lo = mid + 1;
    else hi = mid;
  }
  const found = values[lo - 1];
  return found ? { kind: 'value', row: found.row } : { kind: 'absent' };
}

/**
 * The stock that entered the log: each product's StockSet (its initial stock; a later StockSet
 * would reset it, and the last one counts) and every restock, each event id once.
 */
export function stockInputs(log: readonly LogRecord[]): { initialStock: Record<string, number>; restocks: { productId: string; quantity: number; eventId: string }[] } {
  const initialStock: Record<string, number> = {};
  const restocks = new Map<string, { productId: string; quantity: number; eventId: string }>();
  for (const { event: e } of [...log].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
    if (e.type === 'StockSet') initialStock[e.product_id] = e.quantity;
    if (e.type === 'StockRestocked' && !restocks.has(e.event_id)) restocks.set(e.event_id, { productId: e.product_id, quantity: e.quantity, eventId: e.event_id });
  }
  return { initialStock, restocks: [...restocks.values()] };
}
