import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  TOPIC_PARTITIONS,
  applySchema,
  createKafka,
  createLogger,
  createProducer,
  ensureTopics,
  jsonMessage,
  orderPlaced,
  prepareDatabase,
  topicNames,
  type OrderPlaced,
} from '@ftlab/shared';
import { pollUntil } from './lib/poll';
import { Supervisor, restartDelay } from './lib/supervisor';
import { freeServicePorts, SERVICE_NAMES, startSystem } from './lib/system';
import { freshDatabaseUrl, testKafkaBrokers, testLogDir, uniqueTopicPrefix } from './lib/testing';

/** The foundation everything else stands on: a real broker, a real database, real child processes. */

const logger = createLogger('infra-test', undefined, 'warn');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls every 20 ms until `probe` returns a value, or fails after timeoutMs. */
const waitFor = <T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<Exclude<T, undefined | false>> =>
  pollUntil(probe, { timeoutMs, intervalMs: 20, what });

describe('kafka', () => {
  test('topics are created idempotently and a message round-trips through kafkajs', { timeout: 60_000 }, async () => {
    const kafka = createKafka(testKafkaBrokers(), 'infra-test', logger);
    const prefix = uniqueTopicPrefix();
    const topics = topicNames(prefix);
    await ensureTopics(kafka, topics);
    await ensureTopics(kafka, topics);

    const admin = kafka.admin();
    await admin.connect();
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: Object.values(topics) });
      assert.deepEqual(metadata.map((t) => t.name).sort(), Object.values(topics).sort());
      for (const t of metadata) assert.equal(t.partitions.length, TOPIC_PARTITIONS, `${t.name} partitions`);
    } finally {
      await admin.disconnect();
    }

    const sent: OrderPlaced = { v: 1, type: 'OrderPlaced', order_id: crypto.randomUUID(), product_id: 'PROD-001', quantity: 2 };
    const producer = createProducer(kafka, logger);
    await producer.connect();
    const consumer = kafka.consumer({ groupId: `${prefix}infra-test`, sessionTimeout: 6000 });
    try {
      await producer.send({ topic: topics.orderEvents, messages: [jsonMessage(sent.product_id, sent)] });
      await consumer.connect();
      await consumer.subscribe({ topic: topics.orderEvents, fromBeginning: true });
      const received = await new Promise<{ key: string; value: unknown }>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) =>
            resolve({ key: message.key?.toString() ?? '', value: JSON.parse(message.value?.toString() ?? 'null') }),
        });
      });
      assert.equal(received.key, sent.product_id);
      assert.deepEqual(orderPlaced.parse(received.value), sent);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  });
});

describe('postgres', () => {
  test('the schema applies twice and a row round-trips', async () => {
    const url = await freshDatabaseUrl('infra_schema');
    const pool = await prepareDatabase(url, 2);
    try {
      await applySchema(pool);
      const orderId = crypto.randomUUID();
      await pool.query(`INSERT INTO orders (order_id, product_id, quantity, status) VALUES ($1, 'PROD-002', 7, 'PENDING')`, [orderId]);
      const { rows } = await pool.query('SELECT product_id, quantity, status FROM orders WHERE order_id = $1', [orderId]);
      assert.deepEqual(rows, [{ product_id: 'PROD-002', quantity: 7, status: 'PENDING' }]);
    } finally {
      await pool.end();
    }
  });
});

describe('supervisor', () => {
  test('restart delays start at 100 ms, double, and stop at 5 s', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 10].map(restartDelay), [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  });

  test('a child killed with SIGKILL runs again with a new pid; a stopped one stays down', { timeout: 30_000 }, async () => {
    const logFile = path.join(testLogDir('infra-supervisor'), 'idler.log');
    fs.rmSync(logFile, { force: true });
    // The supervisor opens the log file asynchronously: until then there is nothing to count.
    const starts = () =>
      fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').filter((line) => line === 'idler up').length : 0;
    const supervisor = new Supervisor(
      { idler: { command: process.execPath, args: ['-e', "console.log('idler up'); setInterval(() => {}, 1000)"], env: process.env, logFile } },
      { logger },
    );
    try {
      supervisor.start('idler');
      const first = supervisor.pidOf('idler');
      assert.ok(first && isAlive(first));
      await waitFor('first start logged', 10_000, () => (starts() === 1 ? true : undefined));

      const killedAt = Date.now();
      process.kill(first, 'SIGKILL');
      const second = await waitFor('restart after SIGKILL', 2000, () => {
        const pid = supervisor.pidOf('idler');
        return pid !== undefined && pid !== first ? pid : undefined;
      });
      // Running again means it got as far as writing its output, within the same 2 s.
      await waitFor('restarted child logs', Math.max(0, 2000 - (Date.now() - killedAt)), () => (starts() === 2 ? true : undefined));
      assert.ok(isAlive(second), 'restarted child is running');
      assert.ok(!isAlive(first), 'killed child is gone');

      await supervisor.stop('idler');
      assert.equal(supervisor.pidOf('idler'), undefined);
      assert.ok(!isAlive(second), 'stopped child is gone');
      await sleep(500); // several restart delays
      assert.equal(supervisor.pidOf('idler'), undefined, 'a stopped child is not restarted');
      assert.equal(starts(), 2);

      supervisor.start('idler');
      const third = supervisor.pidOf('idler');
      assert.ok(third && isAlive(third), 'start() brings it back');
    } finally {
      await supervisor.close();
    }
  });
});

describe('system', () => {
  test('every service and simulator comes up; a killed replica is restarted and answers again; stop leaves none', { timeout: 120_000 }, async (t) => {
    const ports = await freeServicePorts();
    const system = await startSystem({
      kafkaBrokers: testKafkaBrokers(),
      databaseUrl: await freshDatabaseUrl('infra_system'),
      topicPrefix: uniqueTopicPrefix(),
      ports,
      adminToken: crypto.randomBytes(16).toString('hex'),
      logDir: testLogDir('infra-system'),
      logger,
    });
    const pids: number[] = [];
    try {
      await system.waitHealthy('all', 60_000);
      assert.equal(system.urls['inventory-1'], `http://127.0.0.1:${ports.inventory1}`);

      const killed = system.pidOf('inventory-1');
      assert.ok(killed);
      pids.push(killed);
      const killedAt = Date.now();
      system.kill('inventory-1', 'SIGKILL');
      const restarted = await waitFor('inventory-1 restarted', 2000, () => {
        const pid = system.pidOf('inventory-1');
        return pid !== undefined && pid !== killed ? pid : undefined;
      });
      // "Answers" is any HTTP status: a replica may report 503 while it catches up. How fast a
      // service boots is its own business (and machine load); the supervisor's part is the new pid.
      await system.waitHealthy('inventory-1', 10_000, () => true);
      t.diagnostic(`inventory-1 answered ${Date.now() - killedAt} ms after SIGKILL`);
      pids.push(restarted);

      await system.stopService('voter-svc');
      assert.equal(system.pidOf('voter-svc'), undefined);
      await sleep(300);
      assert.equal(system.pidOf('voter-svc'), undefined, 'a stopped service is not restarted');
      system.startService('voter-svc');
      await system.waitHealthy('voter-svc', 30_000);
    } finally {
      for (const name of SERVICE_NAMES) {
        const pid = system.pidOf(name);
        if (pid) pids.push(pid);
      }
      await system.stop();
    }
    assert.deepEqual(pids.filter(isAlive), [], 'no service process outlives stop()');
  });
});
