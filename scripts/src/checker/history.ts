import type { InventoryEvent, LogPosition, OrderStatus } from '@ftlab/shared';

/**
 * A run's history, Jepsen-style: what every client was told (with invoke and complete times),
 * which faults were injected and cleared, and what the system ended with. check.ts judges it.
 * Plain data (JSON-safe), so a scenario can build it from anywhere and a report can store it.
 * All times are epoch milliseconds on the recording process's clock.
 */

/** What a client learned from one request that got no usable answer: it may or may not have taken effect. */
export interface Indeterminate {
  type: 'indeterminate';
  /** timeout, network_error, dropped (never sent: counted, still not an answer), or a 5xx the service could not vouch for. */
  reason: string;
}

/** An answer that says the request had no effect (4xx, 503 with Retry-After...). */
export interface Refused {
  type: 'refused';
  status: number;
  error?: string;
}

export interface OperationTimes {
  /** When the request was sent. */
  invokeMs: number;
  /** When its answer (or failure) arrived. */
  completeMs: number;
}

/** POST /orders. 202 = the order is durable (the outbox row); its id must be decided in the end. */
export interface PlaceOrderOp extends OperationTimes {
  kind: 'place_order';
  productId: string;
  quantity: number;
  result: { type: 'accepted'; status: number; orderId: string } | Refused | Indeterminate;
}

/** GET /inventory/:product (voter or replica). A value carries the log position it was computed at. */
export interface ReadStockOp extends OperationTimes {
  kind: 'read_stock';
  productId: string;
  result:
    | { type: 'value'; available: number; reserved: number; position?: LogPosition; quorum?: boolean | null }
    | { type: 'not_found' }
    | Refused
    | Indeterminate;
}

/** POST /orders/:id/cancel. 202 = the order must end CANCELLED. */
export interface CancelOrderOp extends OperationTimes {
  kind: 'cancel_order';
  orderId: string;
  result: { type: 'accepted'; status: number } | Refused | Indeterminate;
}

/** POST /admin/restock. 202 = the event id must reach every replica. */
export interface RestockOp extends OperationTimes {
  kind: 'restock';
  productId: string;
  quantity: number;
  result: { type: 'accepted'; status: number; eventId: string } | Refused | Indeterminate;
}

export type Operation = PlaceOrderOp | ReadStockOp | CancelOrderOp | RestockOp;
export type OperationKind = Operation['kind'];

export interface FaultEvent {
  atMs: number;
  action: 'inject' | 'clear';
  /** crash, latency, intermittent, incorrect, broker outage... free text: the checker only reports it. */
  kind: string;
  /** Replica id or component. */
  target: string;
}

export interface StockRow {
  available: number;
  reserved: number;
}

export interface ReservationRow {
  productId: string;
  quantity: number;
  state: 'RESERVED' | 'REJECTED' | 'RELEASED';
}

/** One replica's committed rows (replica_stock, replica_reservations, replica_stock_events, consumer_offsets). */
export interface ReplicaState {
  stock: Record<string, StockRow>;
  reservations: Record<string, ReservationRow>;
  /** Stock event ids applied (StockSet, StockRestocked); absent when the source cannot tell. */
  appliedStockEvents?: string[];
  /** partition → next offset to apply in the order log; absent when unknown. */
  nextOffsets?: Record<string, number>;
}

export interface OrderRow {
  orderId: string;
  productId: string;
  quantity: number;
  status: OrderStatus;
  decidedAtMs: number | null;
}

/** One record of the order log as the replicas consume it (only records that parse as events). */
export interface LogRecord {
  partition: number;
  offset: number;
  event: InventoryEvent;
}

/** A payment ledger, when the system has one: one row per capture or refund. */
export interface PaymentLedger {
  captures: { orderId: string; amount: number }[];
  refunds: { orderId: string; amount: number }[];
}

export interface FinalState {
  /** instance id → its rows. */
  replicas: Record<string, ReplicaState>;
  orders: OrderRow[];
  /** Stock each product started with (its StockSet). */
  initialStock: Record<string, number>;
  /** Every restock that entered the log. */
  restocks: { productId: string; quantity: number; eventId: string }[];
  /**
   * The order log, every partition from offset 0 to its end, when the source can read it. It is
   * what read answers are judged against (the value at a position is a function of the log).
   */
  log?: LogRecord[];
  /** partition → end offset (next offset to be written) when the log was read. */
  logEnd?: Record<string, number>;
  payments?: PaymentLedger;
}

export interface History {
  operations: Operation[];
  faults: FaultEvent[];
  /** When the final state was read: by then every accepted order must have been decided. */
  settledAtMs: number;
  final: FinalState;
}
