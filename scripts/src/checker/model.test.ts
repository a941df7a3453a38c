import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goodHistory, O1, O2, O3 } from './history.fixture';
import { replayLog, stockInputs, valueAt } from './model';

test('the replay reaches the hand-computed state, ignoring a re-sent placement', () => {
  const replay = replayLog(goodHistory().final.log!);
  assert.deepEqual(replay.stock.get('PROD-001'), { available: 12, reserved: 3 });
  assert.deepEqual(replay.stock.get('PROD-002'), { available: 4, reserved: 0 });
  assert.deepEqual([O1, O2, O3].map((o) => replay.reservations.get(o)?.state), ['RESERVED', 'REJECTED', 'RELEASED']);
  assert.equal(replay.appliedStockEvents.size, 3);
});

test('the replay does not depend on the order records are given in', () => {
  const log = goodHistory().final.log!;
  assert.deepEqual(replayLog([...log].reverse()).stock, replayLog(log).stock);
});

test('valueAt: the value after the last change at or before the offset', () => {
  const replay = replayLog(goodHistory().final.log!);
  const at = (offset: number) => valueAt(replay, 'PROD-001', { partition: 0, offset });
  assert.deepEqual(at(0), { kind: 'value', row: { available: 10, reserved: 0 } });
  assert.deepEqual(at(2), { kind: 'value', row: { available: 7, reserved: 3 } });
  assert.deepEqual(at(4), { kind: 'value', row: { available: 7, reserved: 3 } });
  assert.deepEqual(at(1), { kind: 'value', row: { available: 7, reserved: 3 } });
  assert.deepEqual(at(3), { kind: 'value', row: { available: 5, reserved: 5 } });
  assert.deepEqual(at(5), { kind: 'value', row: { available: 12, reserved: 3 } });
  assert.deepEqual(at(100), { kind: 'value', row: { available: 12, reserved: 3 } });
  assert.deepEqual(at(-1), { kind: 'absent' });
  assert.deepEqual(valueAt(replay, 'PROD-001', { partition: 1, offset: 0 }), { kind: 'other_partition', partition: 0 });
  assert.deepEqual(valueAt(replay, 'PROD-404', { partition: 0, offset: 0 }), { kind: 'unknown_product' });
});

test('a cancel of an order never reserved releases nothing but is remembered', () => {
  const replay = replayLog([
    { partition: 0, offset: 0, event: { v: 1, type: 'StockSet', event_id: '00000000-0000-4000-8000-000000000001', product_id: 'P', quantity: 1 } },
    { partition: 0, offset: 1, event: { v: 1, type: 'OrderPlaced', order_id: O1, product_id: 'P', quantity: 5 } },
    { partition: 0, offset: 2, event: { v: 1, type: 'OrderCancelled', order_id: O1, product_id: 'P' } },
    { partition: 0, offset: 3, event: { v: 1, type: 'OrderCancelled', order_id: O2, product_id: 'P' } },
  ]);
  assert.deepEqual(replay.stock.get('P'), { available: 1, reserved: 0 });
  assert.deepEqual(replay.reservations.get(O1), { productId: 'P', quantity: 5, state: 'RELEASED' });
  assert.deepEqual(replay.reservations.get(O2), { productId: 'P', quantity: 0, state: 'RELEASED' });
});

test('stockInputs: the StockSets and each restock once, from the log', () => {
  const h = goodHistory();
  const log = [...h.final.log!, { ...h.final.log![5]!, offset: 7 }];
  assert.deepEqual(stockInputs(log), { initialStock: h.final.initialStock, restocks: h.final.restocks });
});
