import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigResourceTypes } from 'kafkajs';
import { SEED_PRODUCTS, createKafka, createLogger } from '@ftlab/shared';
import type { KafkaCluster } from '../lib/kafka/broker';
import { startScratchKafka } from '../lib/kafka/scratch';
import { runLoad } from '../load';
import { testLogDir } from '../lib/testing';
import { countBy, countByStatus, startTestSystem, waitAllDecided, waitFor, type TestSystem } from './fixture';

/**
 * Kafka as a three-node cluster (each node broker and controller): the order log has three
 * copies, two of which must have every acknowledged write, so killing the broker that leads the
 * order log's partitions loses nothing while orders flow, and consumers follow the new leaders.
 */

const ORDERS_PER_S = 100;
const LOAD_S = 40;
const KILL_AFTER_MS = 8000;

let kafka: KafkaCluster;
let t: TestSystem;

before(async () => {
  kafka = await startScratchKafka({ label: 'cluster', size: 3, logDir: testLogDir('kafka-cluster-brokers') });
  t = await startTestSystem('kafka_cluster', { services: ['orders-svc', 'inventory-1', 'inventory-2', 'inventory-3', 'payment-svc', 'payment-gateway'], kafkaBrokers: kafka.brokers });
}, { timeout: 300_000 });
after(async () => {
  await t?.stop();
  await kafka?.stop();
});

/** Leader node id of each partition of `topic`. */
async function partitionLeaders(topic: string): Promise<{ leader: number; replicas: number[]; isr: number[] }[]> {
  const admin = createKafka(kafka.brokers, 'test-leaders', createLogger('test')).admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]!.partitions.map((p) => ({ leader: p.leader, replicas: p.replicas, isr: p.isr }));
  } finally {
    await admin.disconnect();
  }
}

async function topicConfig(topic: string, name: string): Promise<string | undefined> {
  const admin = createKafka(kafka.brokers, 'test-config', createLogger('test')).admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: [name] }] });
    return resources[0]?.configEntries.find((e) => e.configName === name)?.configValue;
  } finally {
    await admin.disconnect();
  }
}

/** The node leading the most partitions of `topic`. */
function busiestLeader(partitions: { leader: number }[]): number {
  const led = new Map<number, number>();
  for (const { leader } of partitions) led.set(leader, (led.get(leader) ?? 0) + 1);
  return [...led.entries()].sort((a, b) => b[1] - a[1])[0]![0];
}

test('the system\'s topics have three copies, two of which must be in sync', async () => {
  for (const topic of Object.values(t.topics)) {
    const partitions = await partitionLeaders(topic);
    assert.ok(partitions.every((p) => p.replicas.length === 3), `${topic}: ${JSON.stringify(partitions)}`);
    assert.equal(await topicConfig(topic, 'min.insync.replicas'), '2', topic);
  }
});

test(`the leader of the order log killed under ${ORDERS_PER_S} orders/s: nothing accepted is lost or decided twice`, { timeout: 600_000 }, async (tc) => {
  await waitFor(async () => (await partitionLeaders(t.topics.orderEvents)).every((p) => p.isr.length === 3), 60_000, 'every replica of the order log is in sync');
  const victim = busiestLeader(await partitionLeaders(t.topics.orderEvents));
  const killedPid = kafka.pidOf(victim);

  const load = runLoad({ mode: 'create_order', rps: ORDERS_PER_S, durationS: LOAD_S, products: SEED_PRODUCTS.map((p) => p.product_id), endpoints: t.system.endpoints });
  await sleep(KILL_AFTER_MS);
  const faultStart = await dbNow();
  assert.ok(kafka.kill(victim, 'SIGKILL'));
  const killedAt = Date.now();
  await waitFor(async () => !(await partitionLeaders(t.topics.orderEvents)).some((p) => p.leader === victim), 60_000, `broker-${victim} leads no partition of the order log`, 250);
  const failoverMs = Date.now() - killedAt;
  await waitFor(() => kafka.pidOf(victim) !== undefined && kafka.pidOf(victim) !== killedPid, 30_000, `the supervisor restarted broker-${victim}`);
  await kafka.waitReady(victim, 120_000);
  const faultEnd = await dbNow();
  const backMs = Date.now() - killedAt;

  const report = await load;
  const accepted = report.samples.flatMap((s) => (s.orderId ? [s.orderId] : []));
  const byStatus = countByStatus(report.samples);
  const unanswered = countBy(report.samples.filter((s) => s.status === 0), (s) => s.error ?? s.outcome);
  // Accepting an order needs no broker (the outbox), so what is not accepted is the load of this host.
  const perSecond = report.windows.map((w) => w.ok).join(' ');
  tc.diagnostic(`killed broker-${victim} at ${KILL_AFTER_MS / 1000} s; answers by status ${JSON.stringify(byStatus)}, unanswered by cause ${JSON.stringify(unanswered)}; accepted per second: ${perSecond}`);
  // Not vacuous: enough orders were accepted to span the failover (a saturated host answers fewer in time, never none).
  assert.ok(accepted.length >= 100, `orders were accepted: ${JSON.stringify(byStatus)}`);
  assert.ok(report.samples.every((s) => s.status < 500 || s.status === 503), `no 5xx but 503: ${JSON.stringify(byStatus)}`);

  await waitAllDecided(t.db, accepted, 180_000);
  const decisions = await decisionLatency(faultStart, faultEnd);
  tc.diagnostic(
    `new leaders ${failoverMs} ms after the kill, broker serving again after ${backMs} ms; ${accepted.length} orders accepted, all decided; ` +
      `accept → decision of the ${decisions.n} orders accepted during the fault: p50 ${decisions.p50} ms, p99 ${decisions.p99} ms, max ${decisions.max} ms`,
  );

  // Decided exactly once: no replica both reserved and rejected an order, and every decision has its
  // majority: two reservations behind every CONFIRMED order, and behind every CANCELLED one too (the
  // saga cancels a reserved order whose payment ran out of time, and the replicas release its stock).
  const conflicting = await t.db.query(
    "SELECT order_id, instance_id FROM order_results WHERE outcome IN ('RESERVED', 'REJECTED') GROUP BY 1, 2 HAVING count(*) > 1",
  );
  assert.deepEqual(conflicting.rows, [], 'a replica gave two answers to one order');
  const unsupported = await t.db.query(
    `SELECT o.order_id, o.status FROM orders o
      WHERE o.order_id = ANY($1::uuid[])
        AND (SELECT count(*) FROM order_results r WHERE r.order_id = o.order_id
              AND r.outcome = CASE o.status WHEN 'REJECTED' THEN 'REJECTED' ELSE 'RESERVED' END) < 2`,
    [accepted],
  );
  assert.deepEqual(unsupported.rows, [], 'decisions without two agreeing replicas');

  // Every replica applied every event exactly once: the same stock everywhere, and reservations that add up.
  await waitFor(async () => (await stockRows()).every((p) => p.replicas === 3 && p.distinct === 1), 60_000, 'the replicas hold the same stock');
  const ledger = await t.db.query<{ instance_id: string; product_id: string; reserved_quantity: string; reserved: string; confirmed: string }>(
    `SELECT s.instance_id, s.product_id, s.reserved_quantity,
            (SELECT coalesce(sum(quantity), 0) FROM replica_reservations r WHERE r.instance_id = s.instance_id AND r.product_id = s.product_id AND r.state = 'RESERVED') AS reserved,
            (SELECT coalesce(sum(quantity), 0) FROM orders o WHERE o.product_id = s.product_id AND o.status = 'CONFIRMED') AS confirmed
       FROM replica_stock s`,
  );
  for (const row of ledger.rows) {
    assert.equal(Number(row.reserved_quantity), Number(row.reserved), `inventory-${row.instance_id} ${row.product_id}: reserved stock matches its reservations`);
    assert.equal(Number(row.reserved_quantity), Number(row.confirmed), `inventory-${row.instance_id} ${row.product_id}: reserved stock matches the confirmed orders`);
  }
});

async function dbNow(): Promise<Date> {
  return (await t.db.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0]!.now;
}

/** Accept → decision of the orders created between two database times, in ms, on the database's clock. */
async function decisionLatency(from: Date, to: Date): Promise<{ n: number; p50: number; p99: number; max: number }> {
  const { rows } = await t.db.query<{ n: number; p50: number; p99: number; max: number }>(
    `SELECT count(*)::int AS n,
            round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms))::int AS p50,
            round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms))::int AS p99,
            round(max(ms))::int AS max
       FROM (SELECT extract(epoch FROM decided_at - created_at) * 1000 AS ms FROM orders WHERE created_at BETWEEN $1 AND $2) d`,
    [from, to],
  );
  return rows[0]!;
}

/** Per product: how many replicas hold it and how many different (available, reserved) pairs they hold. */
async function stockRows(): Promise<{ product_id: string; replicas: number; distinct: number }[]> {
  const { rows } = await t.db.query<{ product_id: string; replicas: number; distinct: number }>(
    `SELECT product_id, count(*)::int AS replicas, count(DISTINCT (available_quantity, reserved_quantity))::int AS distinct
       FROM replica_stock GROUP BY product_id`,
  );
  return rows;
}
