import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  deadLetter,
  deadLetterOf,
  inventoryEvent,
  messageKey,
  orderCancelledEvent,
  orderPlacedEvent,
  replicaErrorReport,
  replicaErrorReportEvent,
  replicaResult,
  replicaResultEvent,
  stockRestockedEvent,
  stockSetEvent,
} from './events';

const order = '0190a6c8-7a3e-7c4f-9b1d-2f3e4a5b6c7d';
const event = '5f0c2a0e-3c1d-4b7e-9a8f-1e2d3c4b5a69';

test('every order-log constructor builds an event the replicas parse, unchanged', () => {
  const built = [
    orderPlacedEvent({ order_id: order, product_id: 'PROD-001', quantity: 2 }),
    orderCancelledEvent({ order_id: order, product_id: 'PROD-001' }),
    stockSetEvent({ event_id: event, product_id: 'PROD-002', quantity: 0 }),
    stockRestockedEvent({ event_id: event, product_id: 'PROD-002', quantity: 5 }),
  ];
  for (const e of built) assert.deepEqual(inventoryEvent.parse(e), e);
  assert.deepEqual(
    built.map((e) => [e.v, e.type]),
    [
      [1, 'OrderPlaced'],
      [1, 'OrderCancelled'],
      [1, 'StockSet'],
      [1, 'StockRestocked'],
    ],
  );
});

test('a replica result and an error report parse with the schemas their consumers use', () => {
  const result = replicaResultEvent({
    order_id: order,
    product_id: 'PROD-001',
    instance_id: '2',
    outcome: 'REJECTED',
    reason: 'OUT_OF_STOCK',
    available_quantity: 0,
    reserved_quantity: 3,
    position: { partition: 1, offset: 41 },
  });
  assert.deepEqual(replicaResult.parse(result), result);
  const report = replicaErrorReportEvent({ instance_id: '3', cause: 'incorrect_response', reporter: 'orders-svc', order_id: order, detail: 'dissent' });
  assert.deepEqual(replicaErrorReport.parse(report), report);
});

test('a dead letter names where the message came from, why, and keeps its raw text', () => {
  const letter = deadLetterOf('order-events', 'inventory-1', 4, { offset: '17', value: Buffer.from('{oops') }, 'value is not JSON');
  assert.deepEqual(deadLetter.parse(letter), letter);
  assert.equal(letter.raw, '{oops');
  assert.equal(deadLetterOf('t', 'c', 0, { offset: '0', value: null }, 'empty message value').raw, null);
});

test('each topic keys its events as its consumers rely on: order events by product, so one product stays in one partition', () => {
  assert.equal(messageKey('orderEvents', orderCancelledEvent({ order_id: order, product_id: 'PROD-003' })), 'PROD-003');
  assert.equal(
    messageKey(
      'replicaResults',
      replicaResultEvent({
        order_id: order,
        product_id: 'PROD-001',
        instance_id: '1',
        outcome: 'RESERVED',
        available_quantity: 1,
        reserved_quantity: 1,
        position: { partition: 0, offset: 0 },
      }),
    ),
    order,
  );
  assert.equal(messageKey('replicaErrors', replicaErrorReportEvent({ instance_id: '2', cause: 'timeout', reporter: 'voter-svc', detail: '' })), '2');
  assert.equal(messageKey('deadLetters', deadLetterOf('replica-errors', 'monitor', 0, { offset: '0', value: null }, 'x')), 'replica-errors');
});
