import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topicNames } from './config';
import { inventoryEvent, orderPlacedEvent, replicaErrorReport, replicaErrorReportEvent } from './events';
import { outboxEntry } from './outbox';

const topics = topicNames('t1.');

test("an outbox entry goes to the topic's name under the deployment's prefix, keyed as the topic's contract says", () => {
  const event = orderPlacedEvent({ order_id: '0190a6c8-7a3e-7c4f-9b1d-2f3e4a5b6c7d', product_id: 'PROD-002', quantity: 3 });
  const entry = outboxEntry(topics, { topic: 'orderEvents', event });
  assert.deepEqual({ topic: entry.topic, key: entry.key }, { topic: 't1.order-events', key: 'PROD-002' });
  assert.deepEqual(inventoryEvent.parse(JSON.parse(entry.value)), event, 'the replicas parse what is stored');
});

test('a dissent report is stored for the error topic, keyed by the replica it is about', () => {
  const event = replicaErrorReportEvent({ instance_id: '3', cause: 'incorrect_response', reporter: 'orders-svc', detail: 'dissent' });
  const entry = outboxEntry(topics, { topic: 'replicaErrors', event });
  assert.deepEqual({ topic: entry.topic, key: entry.key }, { topic: 't1.replica-errors', key: '3' });
  assert.deepEqual(replicaErrorReport.parse(JSON.parse(entry.value)), event);
});

test('the compiler refuses what the consumers would dead-letter: an event on another topic, or one missing a field', () => {
  const report = replicaErrorReportEvent({ instance_id: '1', cause: 'timeout', reporter: 'orders-svc', detail: '' });
  // @ts-expect-error: the order log carries order and stock events only
  const misplaced = outboxEntry(topics, { topic: 'orderEvents', event: report });
  assert.throws(() => inventoryEvent.parse(JSON.parse(misplaced.value)), 'a replica would dead-letter it');
  // @ts-expect-error: an order without a quantity
  const incomplete = orderPlacedEvent({ order_id: '0190a6c8-7a3e-7c4f-9b1d-2f3e4a5b6c7d', product_id: 'PROD-001' });
  assert.throws(() => inventoryEvent.parse(incomplete));
});
