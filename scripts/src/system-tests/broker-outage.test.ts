import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startKafka, type KafkaBroker } from '../lib/kafka/broker';
import { freePort } from '../lib/ports';
import { testLogDir } from '../lib/testing';
import { postJson, startTestSystem, waitFor, type TestSystem } from './fixture';

/**
 * Nothing accepted is lost: with the broker down, orders are still accepted (202) because they
 * wait in the outbox, and every one is decided once the broker is back. This test owns its broker
 * so it can stop it.
 */

let kafka: KafkaBroker;
let t: TestSystem;
let port: number;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftlab-outage-kafka-'));
const logDir = testLogDir('broker-outage-kafka');

before(async () => {
  port = await freePort();
  kafka = await startKafka({ port, dataDir, logDir });
  t = await startTestSystem('broker_outage', { services: ['orders-svc', 'inventory-1', 'inventory-2', 'inventory-3'], kafkaBrokers: kafka.brokers });
});
after(async () => {
  await t?.stop();
  await kafka?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('orders posted while the broker is stopped for 10 s are all accepted and all decided after it returns', async () => {
  const accepted: string[] = [];
  const place = async () => {
    const answer = await postJson(`${t.url['orders-svc']}/orders`, { product_id: 'PROD-003', quantity: 1 });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    accepted.push(answer.body.order_id);
  };
  for (let i = 0; i < 5; i++) await place();

  await kafka.stop();
  const outageEnds = Date.now() + 10_000;
  while (Date.now() < outageEnds) {
    await place();
    await sleep(250);
  }
  const { rows } = await t.db.query("SELECT count(*)::int AS n FROM orders WHERE status = 'PENDING'");
  assert.ok(rows[0].n >= 30, `orders accepted during the outage wait undecided (${rows[0].n} pending)`);

  kafka = await startKafka({ port, dataDir, logDir });
  const undecided = async () =>
    (await t.db.query("SELECT count(*)::int AS n FROM orders WHERE order_id = ANY($1::uuid[]) AND status NOT IN ('CONFIRMED', 'REJECTED')", [accepted])).rows[0].n;
  await waitFor(async () => (await undecided()) === 0, 90_000, 'every accepted order is decided', 500);
  const confirmed = await t.db.query("SELECT count(*)::int AS n FROM orders WHERE order_id = ANY($1::uuid[]) AND status = 'CONFIRMED'", [accepted]);
  assert.equal(confirmed.rows[0].n, accepted.length);
  // Published rows are deleted once Kafka has them (within about 100 ms): the table drains to empty.
  const unpublished = async () => (await t.db.query("SELECT count(*)::int AS n FROM outbox WHERE source = 'orders-svc'")).rows[0].n;
  await waitFor(async () => (await unpublished()) === 0, 5000, 'the outbox drained');
});
