import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { parseEnv, SEED_PRODUCTS } from '@ftlab/shared';
import { runLoad } from '../load';
import { admin, getJson, postJson, startTestSystem, waitFor, type TestSystem } from './fixture';

/**
 * No false alarm: a fault-free system at 200 reads/s plus 50 orders/s for five minutes has no
 * replica marked OFF, and every read is answered with the majority value. SOAK_SECONDS shortens
 * it for a local run (`SOAK_SECONDS=30 npm run test:soak`).
 */

const { SOAK_SECONDS } = parseEnv({ SOAK_SECONDS: z.coerce.number().int().min(10).max(3600).default(300) });
const READS_PER_S = 200;
const ORDERS_PER_S = 50;
let t: TestSystem;

before(async () => {
  t = await startTestSystem('soak');
  // Enough stock that orders keep reserving for the whole run instead of being rejected.
  for (const p of SEED_PRODUCTS) assert.equal((await postJson(`${t.url['orders-svc']}/admin/restock`, { product_id: p.product_id, quantity: 100_000 }, admin)).status, 202);
  await waitFor(
    async () => (await getJson(`${t.url['monitor-svc']}/status`)).body.instances.every((i: { status: string }) => i.status === 'ON'),
    30_000,
    'every replica is ON',
  );
});
after(async () => {
  await t?.stop();
});

test(`no false OFF in ${SOAK_SECONDS} s at ${READS_PER_S} reads/s plus ${ORDERS_PER_S} orders/s with no fault`, { timeout: (SOAK_SECONDS + 120) * 1000 }, async () => {
  const { rows: start } = await t.db.query<{ now: Date }>('SELECT clock_timestamp() AS now');
  const report = await runLoad({
    mode: 'mixed',
    rps: READS_PER_S + ORDERS_PER_S,
    orderShare: ORDERS_PER_S / (READS_PER_S + ORDERS_PER_S),
    durationS: SOAK_SECONDS,
    products: SEED_PRODUCTS.map((p) => p.product_id),
    endpoints: t.system.endpoints,
    databaseUrl: t.db.options.connectionString,
  });
  const { rows: failures } = await t.db.query('SELECT instance_id, cause, detail, detected_at FROM failure_audit WHERE detected_at >= $1', [start[0]!.now]);
  assert.deepEqual(failures, [], 'no replica was marked OFF');
  const reads = report.by_kind.read!;
  const orders = report.by_kind.order!;
  const voting = (await getJson(`${t.url['voter-svc']}/voting-stats`)).body;
  console.log(
    `  ${SOAK_SECONDS} s: ${reads.ok}/${reads.scheduled} reads ok, p99 ${reads.latency_ms.p99_ms} ms; ${orders.ok}/${orders.scheduled} orders accepted; 0 OFF; ` +
      `voter: ${voting.retries} rounds asked again, ${voting.quorum_failed} without quorum`,
  );
  assert.equal(reads.ok, reads.scheduled, `every read answered: ${JSON.stringify(reads.status_codes)}`);
  assert.equal(reads.reads?.wrong, 0, 'no wrong answer');
  assert.equal(orders.ok, orders.scheduled, `every order accepted: ${JSON.stringify(orders.status_codes)}`);
});
