import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CURRENCY, DEFAULT_UNIT_PRICE_CENTS, SEED_PRODUCTS } from '@ftlab/shared';
import { admin, getJson, postJson, startTestSystem, stockOf, waitFor, type TestSystem } from './fixture';

/**
 * Orders through the real broker to three replicas that each keep their own stock, decided when
 * two of them agree. Runs orders-svc and the replicas only: nothing here needs the monitor.
 */

const REPLICAS = ['inventory-1', 'inventory-2', 'inventory-3'] as const;
let t: TestSystem;

before(async () => {
  t = await startTestSystem('replication', { services: ['orders-svc', ...REPLICAS, 'payment-svc', 'payment-gateway'] });
});
after(async () => {
  await t?.stop();
});

async function placeAndWait(productId: string, quantity: number, headers: Record<string, string> = {}) {
  const placed = await postJson(`${t.url['orders-svc']}/orders`, { product_id: productId, quantity }, headers);
  assert.equal(placed.status, 202, JSON.stringify(placed.body));
  const decided = await getJson(`${t.url['orders-svc']}/orders/${placed.body.order_id}?wait=10000`);
  return decided.body;
}

async function stockEverywhere(productId: string) {
  return Promise.all(REPLICAS.map((r) => stockOf(t.url[r], productId)));
}

/** A product of its own, put into the log by an admin restock, so tests do not share stock. */
async function newProduct(productId: string, quantity: number): Promise<void> {
  const restocked = await postJson(`${t.url['orders-svc']}/admin/restock`, { product_id: productId, quantity }, admin);
  assert.equal(restocked.status, 202);
  await waitFor(async () => (await stockEverywhere(productId)).every((s) => s?.available_quantity === quantity), 10_000, `${productId} on every replica`);
}

test('an order is CONFIRMED, each replica reserves it exactly once, and a cancel restores every replica', async () => {
  await newProduct('P-CONFIRM', 100);
  const order = await placeAndWait('P-CONFIRM', 5);
  assert.equal(order.status, 'CONFIRMED');
  await waitFor(async () => (await stockEverywhere('P-CONFIRM')).every((s) => s?.reserved_quantity === 5), 5000, 'all replicas applied it');
  assert.deepEqual(await stockEverywhere('P-CONFIRM'), REPLICAS.map(() => ({ available_quantity: 95, reserved_quantity: 5 })));

  const cancelled = await postJson(`${t.url['orders-svc']}/orders/${order.order_id}/cancel`, {});
  assert.equal(cancelled.status, 202);
  assert.equal(cancelled.body.status, 'CANCELLED');
  await waitFor(async () => (await stockEverywhere('P-CONFIRM')).every((s) => s?.available_quantity === 100), 5000, 'every replica released it');
  assert.deepEqual(await stockEverywhere('P-CONFIRM'), REPLICAS.map(() => ({ available_quantity: 100, reserved_quantity: 0 })));
  assert.equal((await postJson(`${t.url['orders-svc']}/orders/${order.order_id}/cancel`, {})).status, 409, 'cancelling twice is a conflict');
});

test("an order's amount is the unit price × quantity: seed prices, a new product's default or given price, a price change for later orders only", async () => {
  const seed = SEED_PRODUCTS.find((p) => p.product_id === 'PROD-003')!;
  const seeded = await placeAndWait('PROD-003', 3);
  assert.equal(seeded.amount_cents, seed.unit_price_cents * 3);
  assert.equal(seeded.currency, CURRENCY);

  await newProduct('P-PRICE-DEFAULT', 10);
  assert.equal((await placeAndWait('P-PRICE-DEFAULT', 2)).amount_cents, DEFAULT_UNIT_PRICE_CENTS * 2, 'restocked without a price: the default');

  const restocked = await postJson(`${t.url['orders-svc']}/admin/restock`, { product_id: 'P-PRICE', quantity: 10, unit_price_cents: 250 }, admin);
  assert.equal(restocked.status, 202, JSON.stringify(restocked.body));
  await waitFor(async () => (await stockEverywhere('P-PRICE')).every((s) => s?.available_quantity === 10), 10_000, 'P-PRICE on every replica');
  const before = await placeAndWait('P-PRICE', 4);
  assert.equal(before.amount_cents, 1000);
  assert.equal((await postJson(`${t.url['orders-svc']}/admin/restock`, { product_id: 'P-PRICE', quantity: 1, unit_price_cents: 300 }, admin)).status, 202);
  assert.equal((await placeAndWait('P-PRICE', 1)).amount_cents, 300, 'the new price for a new order');
  assert.equal((await getJson(`${t.url['orders-svc']}/orders/${before.order_id}`)).body.amount_cents, 1000, 'an accepted order keeps its amount');
  assert.equal((await postJson(`${t.url['orders-svc']}/admin/restock`, { product_id: 'P-PRICE', quantity: 1, unit_price_cents: 0 }, admin)).status, 400);
});

test('an order beyond stock is REJECTED by the majority and a rejected order cannot be cancelled', async () => {
  await newProduct('P-SMALL', 2);
  const order = await placeAndWait('P-SMALL', 3);
  assert.equal(order.status, 'REJECTED');
  assert.equal(order.reason, 'OUT_OF_STOCK');
  assert.equal((await postJson(`${t.url['orders-svc']}/orders/${order.order_id}/cancel`, {})).status, 409);
  assert.equal((await postJson(`${t.url['orders-svc']}/orders/00000000-0000-4000-8000-000000000000/cancel`, {})).status, 404);
});

test('the last unit: 20 concurrent orders for a stock of 1 give exactly one CONFIRMED and stock 0 on every replica', async () => {
  await newProduct('P-RACE', 1);
  const orders = await Promise.all(Array.from({ length: 20 }, () => placeAndWait('P-RACE', 1)));
  const statuses = orders.map((o) => o.status).sort();
  assert.deepEqual(statuses, ['CONFIRMED', ...Array(19).fill('REJECTED')]);
  await waitFor(async () => (await stockEverywhere('P-RACE')).every((s) => s?.reserved_quantity === 1), 5000, 'every replica applied all 20');
  assert.deepEqual(await stockEverywhere('P-RACE'), REPLICAS.map(() => ({ available_quantity: 0, reserved_quantity: 1 })));
});

test('10 concurrent POSTs with one Idempotency-Key create one order and all answer it', async () => {
  const key = `key-${Date.now()}`;
  const answers = await Promise.all(
    Array.from({ length: 10 }, () => postJson(`${t.url['orders-svc']}/orders`, { product_id: 'PROD-002', quantity: 1 }, { 'idempotency-key': key })),
  );
  assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([202]));
  assert.equal(new Set(answers.map((a) => a.body.order_id)).size, 1);
  const { rows } = await t.db.query('SELECT count(*)::int AS n FROM orders WHERE idempotency_key = $1', [key]);
  assert.equal(rows[0].n, 1);
  const reused = await postJson(`${t.url['orders-svc']}/orders`, { product_id: 'PROD-002', quantity: 2 }, { 'idempotency-key': key });
  assert.equal(reused.status, 422, 'the same key for a different order is refused');
});

test('bad input gets a 4xx JSON error naming the field, and nothing is stored or published', async () => {
  // Published outbox rows are deleted as Kafka takes them, so the table's size says nothing here:
  // its id sequence does. It moves for every row ever written, even one rolled back.
  const counts = async () =>
    (await t.db.query(`SELECT (SELECT count(*) FROM orders)::int AS orders, (SELECT last_value FROM outbox_id_seq)::text AS outbox_ids`)).rows[0];
  // The saga goes on for the orders of earlier tests (payment, final outcome), and each of its steps
  // writes to the outbox: only once every order is final does the sequence stand still.
  const unsettled = async () => (await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM orders WHERE status IN ('PENDING', 'RESERVED')")).rows[0]!.n;
  await waitFor(async () => (await unsettled()) === 0, 60_000, 'every earlier order is final');
  const before = await counts();
  const cases: [string, string, number, string][] = [
    ['malformed JSON', '{"product_id": "PROD-001", "quantity": ', 400, 'body'],
    ['missing fields', '{}', 400, 'product_id'],
    ['missing quantity', '{"product_id":"PROD-001"}', 400, 'quantity'],
    ['quantity 0', '{"product_id":"PROD-001","quantity":0}', 400, 'quantity'],
    ['quantity -1', '{"product_id":"PROD-001","quantity":-1}', 400, 'quantity'],
    ['quantity 1.5', '{"product_id":"PROD-001","quantity":1.5}', 400, 'quantity'],
    ['quantity "5"', '{"product_id":"PROD-001","quantity":"5"}', 400, 'quantity'],
    ['quantity 1e9', '{"product_id":"PROD-001","quantity":1e9}', 400, 'quantity'],
    ['product id with spaces', '{"product_id":"PROD 001","quantity":1}', 400, 'product_id'],
    ['unknown field', '{"product_id":"PROD-001","quantity":1,"price":3}', 400, 'price'],
    ['unknown product', '{"product_id":"NO-SUCH","quantity":1}', 404, 'product_id'],
    ['a 2 MB body', JSON.stringify({ product_id: 'PROD-001', quantity: 1, pad: 'x'.repeat(2_000_000) }), 413, 'body'],
  ];
  for (const [name, body, status, field] of cases) {
    const answer = await postJson(`${t.url['orders-svc']}/orders`, body);
    assert.equal(answer.status, status, `${name}: ${JSON.stringify(answer.body)}`);
    assert.equal(answer.body?.field, field, `${name} names the field: ${JSON.stringify(answer.body)}`);
    assert.equal(typeof answer.body?.error, 'string', `${name} says what is wrong`);
  }
  assert.equal((await getJson(`${t.url['orders-svc']}/orders/not-a-uuid`)).status, 400);
  assert.equal((await getJson(`${t.url['orders-svc']}/orders?limit=0`)).status, 400);
  assert.equal((await postJson(`${t.url['orders-svc']}/admin/restock`, { product_id: 'PROD-001', quantity: 5 })).status, 401, 'restock needs the token');
  assert.deepEqual(await counts(), before);
});

test('with one replica stopped the other two still decide; restarted, it catches up to the same stock', async () => {
  await newProduct('P-DOWN', 50);
  await t.system.stopService('inventory-3');
  for (let i = 0; i < 5; i++) assert.equal((await placeAndWait('P-DOWN', 2)).status, 'CONFIRMED');
  const up = await Promise.all(REPLICAS.slice(0, 2).map((r) => stockOf(t.url[r], 'P-DOWN')));
  assert.deepEqual(up, [{ available_quantity: 40, reserved_quantity: 10 }, { available_quantity: 40, reserved_quantity: 10 }]);

  t.system.startService('inventory-3');
  await t.system.waitHealthy('inventory-3', 30_000);
  const health = await getJson(`${t.url['inventory-3']}/health`);
  assert.equal(health.status, 200);
  assert.equal(health.body.status, 'ready');
  assert.ok(health.body.lag <= 200, `ready means at most READY_MAX_LAG (200) messages behind, lag ${health.body.lag}`);
  await waitFor(async () => (await stockOf(t.url['inventory-3'], 'P-DOWN'))?.reserved_quantity === 10, 10_000, 'replica 3 caught up');
  assert.deepEqual(await stockEverywhere('P-DOWN'), REPLICAS.map(() => ({ available_quantity: 40, reserved_quantity: 10 })));
  const reservedBy = async () =>
    (
      await t.db.query(
        "SELECT instance_id, count(*)::int AS n FROM order_results r JOIN orders o USING (order_id) WHERE o.product_id = 'P-DOWN' AND r.outcome = 'RESERVED' GROUP BY instance_id ORDER BY instance_id",
      )
    ).rows;
  await waitFor(async () => (await reservedBy()).every((r) => r.n === 5) && (await reservedBy()).length === 3, 10_000, "replica 3's results reached orders-svc");
  assert.deepEqual(await reservedBy(), [
    { instance_id: '1', n: 5 },
    { instance_id: '2', n: 5 },
    { instance_id: '3', n: 5 },
  ], 'the late replica published its results too');
});

test('a replica killed with SIGKILL mid-stream applies every event exactly once after its restart', async () => {
  await newProduct('P-KILL', 1000);
  const placing = Promise.all(Array.from({ length: 40 }, (_, i) => new Promise((r) => setTimeout(r, i * 10)).then(() => placeAndWait('P-KILL', 1))));
  await new Promise((r) => setTimeout(r, 150));
  t.system.kill('inventory-2', 'SIGKILL');
  const orders = await placing;
  assert.ok(orders.every((o) => o.status === 'CONFIRMED'), 'decided by the two others meanwhile');
  await t.system.waitHealthy('inventory-2', 30_000);
  await waitFor(async () => (await stockOf(t.url['inventory-2'], 'P-KILL'))?.reserved_quantity === 40, 10_000, 'replica 2 caught up');
  assert.deepEqual(await stockEverywhere('P-KILL'), REPLICAS.map(() => ({ available_quantity: 960, reserved_quantity: 40 })));
});
