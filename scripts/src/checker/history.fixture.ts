import type { History, LogRecord, ReplicaState } from './history';

/**
 * A small, consistent history for the checker's tests, worked out by hand (not by the model):
 * PROD-001 starts at 10, o1 reserves 3, o2 (8) is rejected, o3 reserves 2 and is cancelled, a
 * restock adds 5: 12 available / 3 reserved. PROD-002 starts at 4 in another partition.
 * Tests derive failing histories from it by changing one thing.
 */

export const O1 = '00000000-0000-4000-8000-000000000001';
export const O2 = '00000000-0000-4000-8000-000000000002';
export const O3 = '00000000-0000-4000-8000-000000000003';
export const E1 = '00000000-0000-4000-8000-0000000000e1';
export const E2 = '00000000-0000-4000-8000-0000000000e2';
export const E3 = '00000000-0000-4000-8000-0000000000e3';

const LOG: LogRecord[] = [
  { partition: 0, offset: 0, event: { v: 1, type: 'StockSet', event_id: E1, product_id: 'PROD-001', quantity: 10 } },
  { partition: 0, offset: 1, event: { v: 1, type: 'OrderPlaced', order_id: O1, product_id: 'PROD-001', quantity: 3 } },
  { partition: 0, offset: 2, event: { v: 1, type: 'OrderPlaced', order_id: O2, product_id: 'PROD-001', quantity: 8 } },
  { partition: 0, offset: 3, event: { v: 1, type: 'OrderPlaced', order_id: O3, product_id: 'PROD-001', quantity: 2 } },
  { partition: 0, offset: 4, event: { v: 1, type: 'OrderCancelled', order_id: O3, product_id: 'PROD-001' } },
  { partition: 0, offset: 5, event: { v: 1, type: 'StockRestocked', event_id: E2, product_id: 'PROD-001', quantity: 5 } },
  // A relay re-sent the placement after a crash: replicas must not reserve twice.
  { partition: 0, offset: 6, event: { v: 1, type: 'OrderPlaced', order_id: O1, product_id: 'PROD-001', quantity: 3 } },
  { partition: 1, offset: 0, event: { v: 1, type: 'StockSet', event_id: E3, product_id: 'PROD-002', quantity: 4 } },
];

function replica(): ReplicaState {
  return {
    stock: { 'PROD-001': { available: 12, reserved: 3 }, 'PROD-002': { available: 4, reserved: 0 } },
    reservations: {
      [O1]: { productId: 'PROD-001', quantity: 3, state: 'RESERVED' },
      [O2]: { productId: 'PROD-001', quantity: 8, state: 'REJECTED' },
      [O3]: { productId: 'PROD-001', quantity: 2, state: 'RELEASED' },
    },
    appliedStockEvents: [E1, E2, E3],
    nextOffsets: { '0': 7, '1': 1 },
  };
}

const T0 = Date.parse('2026-12-03T12:00:00Z');

/** A fresh copy every call, so a test can mutate it freely. */
export function goodHistory(): History {
  return {
    operations: [
      { kind: 'place_order', productId: 'PROD-001', quantity: 3, invokeMs: T0, completeMs: T0 + 5, result: { type: 'accepted', status: 202, orderId: O1 } },
      { kind: 'place_order', productId: 'PROD-001', quantity: 8, invokeMs: T0 + 10, completeMs: T0 + 12, result: { type: 'accepted', status: 202, orderId: O2 } },
      { kind: 'place_order', productId: 'PROD-001', quantity: 2, invokeMs: T0 + 20, completeMs: T0 + 22, result: { type: 'accepted', status: 202, orderId: O3 } },
      // Timed out during the fault: may or may not exist; either way not lost.
      { kind: 'place_order', productId: 'PROD-002', quantity: 1, invokeMs: T0 + 25, completeMs: T0 + 10_025, result: { type: 'indeterminate', reason: 'timeout' } },
      { kind: 'place_order', productId: 'PROD-002', quantity: 1, invokeMs: T0 + 26, completeMs: T0 + 27, result: { type: 'indeterminate', reason: 'network_error' } },
      { kind: 'cancel_order', orderId: O3, invokeMs: T0 + 30, completeMs: T0 + 33, result: { type: 'accepted', status: 202 } },
      { kind: 'cancel_order', orderId: O2, invokeMs: T0 + 31, completeMs: T0 + 34, result: { type: 'refused', status: 409, error: 'order is REJECTED and cannot be cancelled' } },
      { kind: 'restock', productId: 'PROD-001', quantity: 5, invokeMs: T0 + 40, completeMs: T0 + 41, result: { type: 'accepted', status: 202, eventId: E2 } },
      { kind: 'read_stock', productId: 'PROD-001', invokeMs: T0 + 6, completeMs: T0 + 8, result: { type: 'value', available: 7, reserved: 3, position: { partition: 0, offset: 1 }, quorum: true } },
      { kind: 'read_stock', productId: 'PROD-001', invokeMs: T0 + 13, completeMs: T0 + 15, result: { type: 'value', available: 7, reserved: 3, position: { partition: 0, offset: 2 }, quorum: true } },
      { kind: 'read_stock', productId: 'PROD-001', invokeMs: T0 + 23, completeMs: T0 + 24, result: { type: 'value', available: 5, reserved: 5, position: { partition: 0, offset: 3 }, quorum: true } },
      { kind: 'read_stock', productId: 'PROD-001', invokeMs: T0 + 50, completeMs: T0 + 51, result: { type: 'value', available: 12, reserved: 3, position: { partition: 0, offset: 6 }, quorum: true } },
      { kind: 'read_stock', productId: 'PROD-002', invokeMs: T0 + 50, completeMs: T0 + 52, result: { type: 'value', available: 4, reserved: 0, position: { partition: 1, offset: 0 }, quorum: true } },
      { kind: 'read_stock', productId: 'PROD-002', invokeMs: T0 + 60, completeMs: T0 + 1060, result: { type: 'indeterminate', reason: 'timeout' } },
      { kind: 'read_stock', productId: 'PROD-001', invokeMs: T0 + 61, completeMs: T0 + 70, result: { type: 'refused', status: 503, error: 'fewer than 2 replicas answered' } },
    ],
    faults: [
      { atMs: T0 + 24, action: 'inject', kind: 'crash', target: '1' },
      { atMs: T0 + 900, action: 'clear', kind: 'crash', target: '1' },
    ],
    settledAtMs: T0 + 20_000,
    final: {
      replicas: { '1': replica(), '2': replica(), '3': replica() },
      orders: [
        { orderId: O1, productId: 'PROD-001', quantity: 3, status: 'CONFIRMED', decidedAtMs: T0 + 9 },
        { orderId: O2, productId: 'PROD-001', quantity: 8, status: 'REJECTED', decidedAtMs: T0 + 14 },
        { orderId: O3, productId: 'PROD-001', quantity: 2, status: 'CANCELLED', decidedAtMs: T0 + 25 },
      ],
      initialStock: { 'PROD-001': 10, 'PROD-002': 4 },
      restocks: [{ productId: 'PROD-001', quantity: 5, eventId: E2 }],
      log: LOG.map((r) => ({ ...r, event: { ...r.event } })),
      logEnd: { '0': 7, '1': 1 },
    },
  };
}
