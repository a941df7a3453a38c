import type { InventoryEvent, LogPosition, Outcome, RejectReason } from '@ftlab/shared';

/**
 * The replica's state machine: how one event from the log changes one replica's stock.
 *
 * Every replica applies the same events in the same order (per product, Kafka keeps them in one
 * partition), so every replica reaches the same state. That only holds if this step is
 * deterministic: it reads nothing but the ledger and the event: no clock, no randomness, no I/O.
 */

export interface ProductStock {
  product_id: string;
  available_quantity: number;
  reserved_quantity: number;
  /** The partition that holds this product's events: where its log position is read. */
  partition: number;
}

export interface Reservation {
  order_id: string;
  product_id: string;
  quantity: number;
  state: Outcome;
}

export interface ResultDraft {
  order_id: string;
  product_id: string;
  outcome: Outcome;
  reason?: RejectReason;
  available_quantity: number;
  reserved_quantity: number;
  position: LogPosition;
}

/**
 * The slice of a replica's state a batch touches: the store loads it, `applyEvent` changes it in
 * memory, and the store writes back exactly the rows marked dirty.
 */
export class Ledger {
  readonly stock = new Map<string, ProductStock>();
  readonly reservations = new Map<string, Reservation>();
  readonly dirtyStock = new Set<string>();
  readonly dirtyReservations = new Set<string>();
  /** Stock events already applied (loaded for the batch) and those this batch applies. */
  readonly appliedStockEvents: Set<string>;
  readonly newStockEvents = new Set<string>();

  constructor(stock: Iterable<ProductStock> = [], reservations: Iterable<Reservation> = [], appliedStockEvents: Iterable<string> = []) {
    for (const s of stock) this.stock.set(s.product_id, { ...s });
    for (const r of reservations) this.reservations.set(r.order_id, { ...r });
    this.appliedStockEvents = new Set(appliedStockEvents);
  }

  /** True the first time a stock event is seen: a re-sent StockSet must not reset stock already sold. */
  firstSight(eventId: string): boolean {
    if (this.appliedStockEvents.has(eventId)) return false;
    this.appliedStockEvents.add(eventId);
    this.newStockEvents.add(eventId);
    return true;
  }

  putStock(s: ProductStock): void {
    this.stock.set(s.product_id, s);
    this.dirtyStock.add(s.product_id);
  }

  putReservation(r: Reservation): void {
    this.reservations.set(r.order_id, r);
    this.dirtyReservations.add(r.order_id);
  }
}

/** Applies one event; returns the result to publish, or null when the event produces none. */
export function applyEvent(ledger: Ledger, event: InventoryEvent, position: LogPosition): ResultDraft | null {
  switch (event.type) {
    case 'StockSet': {
      if (!ledger.firstSight(event.event_id)) return null;
      const current = ledger.stock.get(event.product_id);
      ledger.putStock({
        product_id: event.product_id,
        available_quantity: event.quantity,
        reserved_quantity: current?.reserved_quantity ?? 0,
        partition: position.partition,
      });
      return null;
    }
    case 'StockRestocked': {
      if (!ledger.firstSight(event.event_id)) return null;
      const current = ledger.stock.get(event.product_id);
      ledger.putStock({
        product_id: event.product_id,
        available_quantity: (current?.available_quantity ?? 0) + event.quantity,
        reserved_quantity: current?.reserved_quantity ?? 0,
        partition: position.partition,
      });
      return null;
    }
    case 'OrderPlaced':
      return place(ledger, event.order_id, event.product_id, event.quantity, position);
    case 'OrderCancelled':
      return cancel(ledger, event.order_id, event.product_id, position);
  }
}

function place(ledger: Ledger, orderId: string, productId: string, quantity: number, position: LogPosition): ResultDraft | null {
  // A placement seen twice (a relay re-sent it) was already decided: deciding again would double-reserve.
  if (ledger.reservations.has(orderId)) return null;
  const stock = ledger.stock.get(productId);
  const reason: RejectReason | undefined = !stock ? 'UNKNOWN_PRODUCT' : stock.available_quantity < quantity ? 'OUT_OF_STOCK' : undefined;
  if (reason || !stock) {
    ledger.putReservation({ order_id: orderId, product_id: productId, quantity, state: 'REJECTED' });
    return result(orderId, productId, 'REJECTED', stock, position, reason);
  }
  const after = {
    ...stock,
    available_quantity: stock.available_quantity - quantity,
    reserved_quantity: stock.reserved_quantity + quantity,
  };
  ledger.putStock(after);
  ledger.putReservation({ order_id: orderId, product_id: productId, quantity, state: 'RESERVED' });
  return result(orderId, productId, 'RESERVED', after, position);
}

function cancel(ledger: Ledger, orderId: string, productId: string, position: LogPosition): ResultDraft | null {
  const reservation = ledger.reservations.get(orderId);
  if (reservation?.state === 'RELEASED') return null;
  let stock = ledger.stock.get(productId);
  if (reservation?.state === 'RESERVED' && stock) {
    stock = {
      ...stock,
      available_quantity: stock.available_quantity + reservation.quantity,
      reserved_quantity: stock.reserved_quantity - reservation.quantity,
    };
    ledger.putStock(stock);
  }
  // Recorded even when nothing was reserved, so a repeated cancel is recognised as one.
  ledger.putReservation({ order_id: orderId, product_id: productId, quantity: reservation?.quantity ?? 0, state: 'RELEASED' });
  return result(orderId, productId, 'RELEASED', stock, position);
}

function result(
  orderId: string,
  productId: string,
  outcome: Outcome,
  stock: ProductStock | undefined,
  position: LogPosition,
  reason?: RejectReason,
): ResultDraft {
  return {
    order_id: orderId,
    product_id: productId,
    outcome,
    ...(reason ? { reason } : {}),
    available_quantity: stock?.available_quantity ?? 0,
    reserved_quantity: stock?.reserved_quantity ?? 0,
    position,
  };
}
