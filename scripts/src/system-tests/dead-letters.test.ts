import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createKafka, createLogger, createProducer, deadLetter, jsonMessage, type DeadLetter, type EventProducer, type ReplicaErrorReport } from '@ftlab/shared';
import type { Consumer, Kafka } from 'kafkajs';
import { getJson, postJson, startTestSystem, stockOf, waitFor, type TestSystem } from './fixture';

/**
 * A malformed or unknown event on any topic goes to the dead-letter topic with its reason, is
 * counted in /metrics, changes nothing, and never stops the consumer that met it: the next good
 * event is handled as usual. Covers both consumer kinds: the replicas' and orders-svc's
 * transactional consumers, and the monitor's plain one.
 */

const REPLICAS = ['inventory-1', 'inventory-2', 'inventory-3'] as const;
let t: TestSystem;
let kafka: Kafka;
let producer: EventProducer;
let letterConsumer: Consumer;
const letters: DeadLetter[] = [];

before(async () => {
  t = await startTestSystem('dead-letters', { services: ['orders-svc', ...REPLICAS, 'payment-svc', 'payment-gateway', 'notification-svc', 'monitor-svc'] });
  kafka = createKafka(t.kafkaBrokers, 'dead-letters-test', createLogger('dead-letters-test', undefined, 'warn'));
  producer = createProducer(kafka, createLogger('dead-letters-test', undefined, 'warn'));
  await producer.connect();
  letterConsumer = kafka.consumer({ groupId: `${t.topics.deadLetters}-reader`, sessionTimeout: 6000 });
  await letterConsumer.connect();
  await letterConsumer.subscribe({ topic: t.topics.deadLetters, fromBeginning: true });
  // The letters must themselves honour their contract.
  await letterConsumer.run({ eachMessage: async ({ message }) => void letters.push(deadLetter.parse(JSON.parse(message.value!.toString()))) });
});
after(async () => {
  await letterConsumer?.disconnect();
  await producer?.disconnect();
  await t?.stop();
});

/** What a replica's /metrics says it dead-lettered. */
async function deadLettered(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('consumer_messages_total{') && l.includes('result="dead_lettered"'));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

const raw = (value: string | null) => ({ key: 'PROD-001', value });

test('bad events on every topic are dead-lettered with their reason, change nothing, and the next good event is handled', async () => {
  const stockBefore = await Promise.all(REPLICAS.map((r) => stockOf(t.url[r], 'PROD-001')));

  const badOrderEvents = [
    raw('{"product_id": "PROD-001", "quantity": '),
    raw(JSON.stringify({ v: 1, type: 'OrderTeleported', product_id: 'PROD-001' })),
    raw(JSON.stringify({ v: 2, type: 'OrderPlaced', order_id: crypto.randomUUID(), product_id: 'PROD-001', quantity: 1 })),
    raw(JSON.stringify({ v: 1, type: 'OrderPlaced', order_id: crypto.randomUUID(), product_id: 'PROD-001', quantity: -5 })),
    raw(null),
  ];
  await producer.send({ topic: t.topics.orderEvents, messages: badOrderEvents });
  await producer.send({ topic: t.topics.replicaResults, messages: [raw(JSON.stringify({ v: 1, type: 'ReplicaResult', outcome: 'RESERVED' }))] });
  await producer.send({ topic: t.topics.replicaErrors, messages: [raw('not a report')] });
  // The saga's topics: a reservation without an amount, a payment outcome nobody defined, an outcome that is not JSON.
  await producer.send({ topic: t.topics.orderSaga, messages: [raw(JSON.stringify({ v: 1, type: 'OrderReserved', order_id: crypto.randomUUID() }))] });
  await producer.send({ topic: t.topics.paymentResults, messages: [raw(JSON.stringify({ v: 1, type: 'PaymentSettled', order_id: crypto.randomUUID(), outcome: 'maybe' }))] });
  await producer.send({ topic: t.topics.orderOutcomes, messages: [raw('{"status": "CONFIRMED"')] });

  const letterCount = (consumer: string, topic: string) => letters.filter((l) => l.consumer === consumer && l.source_topic === topic).length;
  await waitFor(
    () =>
      REPLICAS.every((r) => letterCount(r, t.topics.orderEvents) === badOrderEvents.length) &&
      letterCount('orders-svc', t.topics.replicaResults) === 1 &&
      letterCount('monitor-svc', t.topics.replicaErrors) === 1 &&
      letterCount('payment-svc', t.topics.orderSaga) === 1 &&
      letterCount('orders-svc-payments', t.topics.paymentResults) === 1 &&
      letterCount('notification-svc', t.topics.orderOutcomes) === 1,
    20_000,
    'every consumer dead-lettered every bad event',
  );

  const reasons = letters.filter((l) => l.consumer === 'inventory-1').map((l) => l.reason);
  assert.equal(reasons[0], 'value is not JSON');
  assert.match(reasons[1]!, /type/, 'an unknown type names the field');
  assert.match(reasons[2]!, /^v: /, 'an unknown version names the field');
  assert.match(reasons[3]!, /^quantity: /, 'a bad quantity names the field');
  assert.equal(reasons[4], 'empty message value');
  assert.equal(letters.find((l) => l.consumer === 'inventory-1')?.raw, '{"product_id": "PROD-001", "quantity": ', 'the raw text is kept for the post-mortem');
  assert.match(letters.find((l) => l.consumer === 'orders-svc')!.reason, /order_id/);

  for (const r of REPLICAS) assert.equal(await deadLettered(t.url[r]), badOrderEvents.length, `${r} counts its dead letters in /metrics`);
  assert.equal(await deadLettered(t.url['orders-svc']), 1);
  assert.equal(await deadLettered(t.url['monitor-svc']), 1);
  assert.deepEqual(await Promise.all(REPLICAS.map((r) => stockOf(t.url[r], 'PROD-001'))), stockBefore, 'no bad event changed any stock');

  // The consumers went on: an order is still decided by the replicas and orders-svc ...
  const placed = await postJson(`${t.url['orders-svc']}/orders`, { product_id: 'PROD-001', quantity: 3 });
  assert.equal(placed.status, 202);
  const decided = await getJson(`${t.url['orders-svc']}/orders/${placed.body.order_id}?wait=10000`);
  assert.equal(decided.body.status, 'CONFIRMED');
  await waitFor(
    async () => (await Promise.all(REPLICAS.map((r) => stockOf(t.url[r], 'PROD-001')))).every((s) => s?.available_quantity === stockBefore[0]!.available_quantity - 3),
    10_000,
    'every replica applied the order once',
  );
  // ... and the monitor still acts on the next report after the bad one.
  const report: ReplicaErrorReport = { v: 1, type: 'ReplicaErrorReport', instance_id: '3', cause: 'incorrect_response', reporter: 'dead-letters-test', product_id: 'PROD-001', detail: 'after a bad report' };
  await producer.send({ topic: t.topics.replicaErrors, messages: [jsonMessage('3', report)] });
  await waitFor(
    async () => (await getJson(`${t.url['monitor-svc']}/status`)).body.instances.some((i: { instance_id: string; status: string }) => i.instance_id === '3' && i.status === 'OFF'),
    10_000,
    'the monitor marked replica 3 OFF from the good report',
  );
});
