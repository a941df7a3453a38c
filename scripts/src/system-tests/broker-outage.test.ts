import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KafkaCluster } from '../lib/kafka/broker';
import { startScratchKafka } from '../lib/kafka/scratch';
import { runLoad } from '../load';
import { testLogDir } from '../lib/testing';
import { countByStatus, postJson, startTestSystem, waitAllDecided, waitFor, type TestSystem } from './fixture';

/**
 * Nothing accepted is lost when the one broker goes away: orders are still accepted (202)
 * because they wait in the outbox, and every one is decided once the broker is back. The broker
 * is supervised like the services: killed, it is restarted on its data without anyone's help.
 */

let kafka: KafkaCluster;
let t: TestSystem;

before(async () => {
  kafka = await startScratchKafka({ label: 'outage', logDir: testLogDir('broker-outage-kafka') });
  t = await startTestSystem('broker_outage', { services: ['orders-svc', 'inventory-1', 'inventory-2', 'inventory-3'], kafkaBrokers: kafka.brokers });
});
after(async () => {
  await t?.stop();
  await kafka?.stop();
});

test('orders posted while the broker is down for 10 s are all accepted and all decided after it returns', { timeout: 240_000 }, async () => {
  const accepted: string[] = [];
  const place = async () => {
    const answer = await postJson(`${t.url['orders-svc']}/orders`, { product_id: 'PROD-003', quantity: 1 });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    accepted.push(answer.body.order_id);
  };
  for (let i = 0; i < 5; i++) await place();

  // Down for longer than we post, so the count below cannot race the broker's return.
  await kafka.stopFor(1, 15_000);
  const outageEnds = Date.now() + 10_000;
  while (Date.now() < outageEnds) {
    await place();
    await sleep(250);
  }
  const { rows } = await t.db.query("SELECT count(*)::int AS n FROM orders WHERE status = 'PENDING'");
  assert.ok(rows[0].n >= 30, `orders accepted during the outage wait undecided (${rows[0].n} pending)`);

  await kafka.waitReady(1, 120_000);
  await waitAllDecided(t.db, accepted, 90_000);
  const confirmed = await t.db.query("SELECT count(*)::int AS n FROM orders WHERE order_id = ANY($1::uuid[]) AND status = 'CONFIRMED'", [accepted]);
  assert.equal(confirmed.rows[0].n, accepted.length);
  // Published rows are deleted once Kafka has them (within about 100 ms): the table drains to empty.
  const unpublished = async () => (await t.db.query("SELECT count(*)::int AS n FROM outbox WHERE source = 'orders-svc'")).rows[0].n;
  await waitFor(async () => (await unpublished()) === 0, 5000, 'the outbox drained');
});

test('a broker killed with SIGKILL under 50 orders/s is restarted by its supervisor, and every accepted order is decided', { timeout: 300_000 }, async (tc) => {
  const killedPid = kafka.pidOf(1);
  assert.ok(killedPid, 'the broker runs');
  const load = runLoad({ mode: 'create_order', rps: 50, durationS: 20, products: ['PROD-001', 'PROD-002', 'PROD-003'], endpoints: t.system.endpoints });
  await sleep(3000);
  const killedAt = Date.now();
  assert.ok(kafka.kill(1, 'SIGKILL'));
  await waitFor(() => kafka.pidOf(1) !== undefined && kafka.pidOf(1) !== killedPid, 30_000, 'the supervisor started a new broker process');
  await kafka.waitReady(1, 120_000);
  const backMs = Date.now() - killedAt;

  const report = await load;
  const accepted = report.samples.flatMap((s) => (s.orderId ? [s.orderId] : []));
  const byStatus = countByStatus(report.samples);
  tc.diagnostic(`broker serving again ${backMs} ms after SIGKILL; answers by status ${JSON.stringify(byStatus)}`);
  assert.ok(accepted.length >= 500, `most of the 1000 orders were accepted: ${JSON.stringify(byStatus)}`);
  assert.ok(report.samples.every((s) => s.status < 500 || s.status === 503), `no 5xx but 503: ${JSON.stringify(byStatus)}`);
  await waitAllDecided(t.db, accepted, 120_000);
});
