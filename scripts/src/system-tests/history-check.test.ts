import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createHttpPool, createLogger, type HttpPool } from '@ftlab/shared';
import { TEST_TOKEN, startTestSystem, waitFor, type TestSystem } from './fixture';
import { checkRun } from '../checker/run-check';
import type { Operation } from '../checker/history';
import { OperationRecorder, RecordingClient } from '../checker/recorder';

/**
 * The checker on the real stack: a short run of orders, reads, cancels and a restock through
 * the real services, recorded; the history must pass. Then one replica's row is corrupted in
 * Postgres behind the system's back, and the same history must fail, naming that replica.
 */

const logger = createLogger('history-check-test');
let t: TestSystem;
let http: { pool: HttpPool; timeoutMs: number };

before(async () => {
  t = await startTestSystem('history_check');
  // Generous: a timed-out request is indeterminate, which the checker allows but this test's counts would not.
  http = { pool: createHttpPool(32), timeoutMs: 30_000 };
});
after(async () => {
  await http?.pool.close();
  await t?.stop();
});

const recorder = new OperationRecorder();
const accepted = (op: Operation) => (op.kind === 'place_order' && op.result.type === 'accepted' ? op.result.orderId : undefined);

test('a recorded run of orders, reads, cancels and a restock passes every check', { timeout: 120_000 }, async () => {
  const client = new RecordingClient(http, t.system.endpoints, recorder, TEST_TOKEN);
  // The voter answers once the monitor has marked replicas ON; reads before that are refused, which is fine.
  await waitFor(async () => (await client.read('PROD-001')).result.type === 'value', 30_000, 'the voter answers');

  const placed = await Promise.all(
    Array.from({ length: 30 }, (_, i) => client.placeOrder(i % 2 === 0 ? 'PROD-001' : 'PROD-002', 1 + (i % 4))).concat(
      Array.from({ length: 30 }, (_, i) => client.read(i % 2 === 0 ? 'PROD-001' : 'PROD-002')),
    ),
  );
  const ids = placed.map(accepted).filter((id): id is string => id !== undefined);
  assert.equal(ids.length, 30, 'every order accepted');
  // Too much to fit: REJECTED, and must be recorded as decided, not lost.
  assert.ok(accepted(await client.placeOrder('PROD-002', 1000)));
  await Promise.all([client.cancel(ids[0]!), client.cancel(ids[1]!), client.restock('PROD-003', 25)]);
  for (let i = 0; i < 20; i++) await Promise.all([client.read('PROD-001'), client.read('PROD-002'), client.read('PROD-003')]);

  const { verdict, history } = await checkRun({ brokers: t.kafkaBrokers, topic: t.topics.orderEvents }, t.db, recorder, [], logger, undefined, t.paymentLedgerUrl);
  assert.deepEqual(
    verdict.checks.filter((c) => c.status === 'fail').map((c) => ({ [c.name]: c.reasons })),
    [],
  );
  assert.equal(verdict.ok, true);
  // The gateway's books: one capture per CONFIRMED order, and any capture of the two cancelled ones refunded.
  assert.equal(verdict.checks.find((c) => c.name === 'payments')?.status, 'pass');
  const reads = verdict.checks.find((c) => c.name === 'reads_match_log')!;
  assert.equal(reads.status, 'pass');
  // Reads the voter could not answer (503 on a saturated host) are not judged; most must be.
  const judged = Number(/^(\d+) read value/.exec(reads.summary)?.[1]);
  assert.ok(judged >= 30, `reads judged against the log: ${reads.summary}`);
  assert.equal(history.final.orders.length, 31);
  assert.deepEqual(
    history.final.orders.filter((o) => o.status === 'REJECTED').map((o) => o.quantity),
    [1000],
  );
  assert.equal(history.final.orders.filter((o) => o.status === 'CANCELLED').length, 2);
  assert.equal(history.final.restocks.length, 1);
});

test('the same history fails once a replica row is corrupted in Postgres, naming the replica', { timeout: 120_000 }, async () => {
  assert.ok(recorder.size > 0, 'the first test recorded a run');
  await t.db.query("UPDATE replica_stock SET available_quantity = available_quantity - 7 WHERE instance_id = '2' AND product_id = 'PROD-001'");
  const { verdict } = await checkRun({ brokers: t.kafkaBrokers, topic: t.topics.orderEvents }, t.db, recorder, [], logger, undefined, t.paymentLedgerUrl);
  assert.equal(verdict.ok, false);
  for (const name of ['no_oversell', 'replicas_converged', 'applied_once', 'no_divergent_replica']) {
    assert.ok(verdict.failed.includes(name), `${name} failed (failed: ${verdict.failed.join(', ')})`);
  }
  const divergent = verdict.checks.find((c) => c.name === 'no_divergent_replica')!;
  assert.equal(divergent.offenders, 1);
  assert.match(divergent.reasons[0]!, /^replica 2 diverges at stock PROD-001: \d+ available \/ \d+ reserved, the log gives \d+ available/);
});
