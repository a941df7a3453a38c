import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InventoryEvent } from '@ftlab/shared';
import { applyEvent, Ledger, type ResultDraft } from './state-machine';

const ORDER_A = '00000000-0000-4000-8000-00000000000a';
const ORDER_B = '00000000-0000-4000-8000-00000000000b';

function replay(events: InventoryEvent[], ledger = new Ledger()): { ledger: Ledger; results: (ResultDraft | null)[] } {
  const results = events.map((event, offset) => applyEvent(ledger, event, { partition: 0, offset }));
  return { ledger, results };
}

let stockEvents = 0;
const nextEventId = () => `10000000-0000-4000-8000-${String(++stockEvents).padStart(12, '0')}`;
const seed = (quantity: number, event_id = nextEventId()): InventoryEvent => ({ v: 1, type: 'StockSet', event_id, product_id: 'P', quantity });
const place = (order_id: string, quantity: number, product_id = 'P'): InventoryEvent => ({ v: 1, type: 'OrderPlaced', order_id, product_id, quantity });
const cancel = (order_id: string): InventoryEvent => ({ v: 1, type: 'OrderCancelled', order_id, product_id: 'P' });

test('an order within stock is reserved: available goes down, reserved up, by exactly its quantity', () => {
  const { ledger, results } = replay([seed(10), place(ORDER_A, 4)]);
  assert.deepEqual(ledger.stock.get('P'), { product_id: 'P', available_quantity: 6, reserved_quantity: 4, partition: 0 });
  assert.equal(results[1]?.outcome, 'RESERVED');
  assert.deepEqual(results[1]?.position, { partition: 0, offset: 1 });
});

test('an order beyond stock is rejected as OUT_OF_STOCK and changes nothing', () => {
  const { ledger, results } = replay([seed(3), place(ORDER_A, 4)]);
  assert.equal(results[1]?.outcome, 'REJECTED');
  assert.equal(results[1]?.reason, 'OUT_OF_STOCK');
  assert.equal(ledger.stock.get('P')?.available_quantity, 3);
});

test('an order for a product never stocked is rejected as UNKNOWN_PRODUCT', () => {
  const { results } = replay([place(ORDER_A, 1, 'NOPE')]);
  assert.equal(results[0]?.outcome, 'REJECTED');
  assert.equal(results[0]?.reason, 'UNKNOWN_PRODUCT');
});

test('the same placement seen twice reserves once and publishes no second result', () => {
  const { ledger, results } = replay([seed(10), place(ORDER_A, 4), place(ORDER_A, 4)]);
  assert.equal(ledger.stock.get('P')?.available_quantity, 6);
  assert.equal(results[2], null);
});

test('a stock event re-sent after orders were taken changes nothing', () => {
  const set = seed(10);
  const { ledger, results } = replay([set, place(ORDER_A, 4), set]);
  assert.equal(ledger.stock.get('P')?.available_quantity, 6);
  assert.equal(results[2], null);
});

test('cancelling a reserved order restores the stock; cancelling twice restores it once', () => {
  const { ledger, results } = replay([seed(10), place(ORDER_A, 4), cancel(ORDER_A), cancel(ORDER_A)]);
  assert.deepEqual(ledger.stock.get('P'), { product_id: 'P', available_quantity: 10, reserved_quantity: 0, partition: 0 });
  assert.equal(results[2]?.outcome, 'RELEASED');
  assert.equal(results[3], null);
});

test('cancelling a rejected order releases nothing', () => {
  const { ledger, results } = replay([seed(1), place(ORDER_A, 5), cancel(ORDER_A)]);
  assert.equal(results[2]?.outcome, 'RELEASED');
  assert.equal(ledger.stock.get('P')?.available_quantity, 1);
});

test('the last unit goes to the first order in the log, the next is rejected', () => {
  const { ledger, results } = replay([seed(1), place(ORDER_A, 1), place(ORDER_B, 1)]);
  assert.deepEqual(
    results.slice(1).map((r) => r?.outcome),
    ['RESERVED', 'REJECTED'],
  );
  assert.equal(ledger.stock.get('P')?.available_quantity, 0);
});

test('restock adds to available and keeps what is reserved; StockSet overwrites available only', () => {
  const { ledger } = replay([
    seed(10),
    place(ORDER_A, 4),
    { v: 1, type: 'StockRestocked', event_id: nextEventId(), product_id: 'P', quantity: 5 },
  ]);
  assert.deepEqual(ledger.stock.get('P'), { product_id: 'P', available_quantity: 11, reserved_quantity: 4, partition: 0 });
  applyEvent(ledger, seed(2), { partition: 0, offset: 9 });
  assert.deepEqual(ledger.stock.get('P'), { product_id: 'P', available_quantity: 2, reserved_quantity: 4, partition: 0 });
});

test('replicas replaying the same log reach the same state, whatever ledger they start with', () => {
  const log: InventoryEvent[] = [seed(5)];
  for (let i = 0; i < 40; i++) {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    log.push(place(id, 1 + (i % 3)));
    if (i % 4 === 0) log.push(cancel(id));
  }
  const a = replay(log);
  const b = replay(log);
  assert.deepEqual([...a.ledger.stock.values()], [...b.ledger.stock.values()]);
  assert.deepEqual(a.results, b.results);
  const stock = a.ledger.stock.get('P')!;
  assert.ok(stock.available_quantity >= 0, 'never oversold');
  assert.equal(stock.available_quantity + stock.reserved_quantity, 5, 'nothing created or lost');
});

test('only the rows an event touched are marked dirty for writing back', () => {
  const ledger = new Ledger([{ product_id: 'Q', available_quantity: 1, reserved_quantity: 0, partition: 2 }]);
  replay([seed(10), place(ORDER_A, 1)], ledger);
  assert.deepEqual([...ledger.dirtyStock], ['P']);
  assert.deepEqual([...ledger.dirtyReservations], [ORDER_A]);
});
