import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mailSink, paymentGateway } from '@ftlab/shared';
import { admin, getJson, postJson, startTestSystem, stockOf, waitFor, type TestSystem } from './fixture';

/**
 * The order saga on the real stack: Kafka, Postgres, orders-svc, three replicas, payment-svc,
 * notification-svc and the two simulators as real processes. The payment deadline is shortened to 6 s (1 s
 * per attempt and per lookup) so that a run takes seconds; the rules are the default's.
 */

const REPLICAS = ['inventory-1', 'inventory-2', 'inventory-3'] as const;
const DEADLINE_MS = 6000;
let t: TestSystem;

before(async () => {
  t = await startTestSystem('saga', {
    services: ['orders-svc', ...REPLICAS, 'payment-svc', 'payment-gateway', 'notification-svc', 'mail-sink'],
    env: {
      PAYMENT_DEADLINE_MS: String(DEADLINE_MS),
      PAYMENT_ATTEMPT_TIMEOUT_MS: '1000',
      PAYMENT_LOOKUP_TIMEOUT_MS: '1000',
      PAYMENT_BACKOFF_MAX_MS: '500',
      PAYMENT_BREAKER_HALF_OPEN_MS: '1000',
      PAYMENT_RECONCILE_INTERVAL_MS: '250',
    },
  });
});
after(async () => {
  await t?.stop();
});

const gateway = () => t.url['payment-gateway'];
const fault = async (body: paymentGateway.GatewayFaultRequest) => assert.equal((await postJson(`${gateway()}/admin/faults`, body, admin)).status, 200);
const ledgerOf = async (orderId: string): Promise<paymentGateway.Ledger> => paymentGateway.ledger.parse((await getJson(`${gateway()}/ledger?order_id=${orderId}`)).body);

async function newProduct(productId: string, quantity: number, unitPriceCents: number): Promise<void> {
  const restocked = await postJson(`${t.url['orders-svc']}/admin/restock`, { product_id: productId, quantity, unit_price_cents: unitPriceCents }, admin);
  assert.equal(restocked.status, 202);
  await waitFor(async () => (await stockEverywhere(productId)).every((s) => s?.available_quantity === quantity), 10_000, `${productId} on every replica`);
}

const stockEverywhere = (productId: string) => Promise.all(REPLICAS.map((r) => stockOf(t.url[r], productId)));

async function place(productId: string, quantity: number): Promise<string> {
  const placed = await postJson(`${t.url['orders-svc']}/orders`, { product_id: productId, quantity });
  assert.equal(placed.status, 202, JSON.stringify(placed.body));
  return placed.body.order_id;
}

/** GET /orders/:id?wait= until the order has its final status (a long poll ends at 10 s at most). */
async function finalOf(orderId: string, withinMs: number): Promise<any> {
  const giveUp = Date.now() + withinMs;
  for (;;) {
    const { body } = await getJson(`${t.url['orders-svc']}/orders/${orderId}?wait=5000`);
    if (['CONFIRMED', 'REJECTED', 'CANCELLED'].includes(body.status)) return body;
    assert.ok(Date.now() < giveUp, `order ${orderId} still ${body.status} after ${withinMs} ms`);
  }
}

test('happy path: PENDING → RESERVED → CONFIRMED, one capture at the gateway for unit price × quantity, one email at the sink', async () => {
  await newProduct('P-SAGA-OK', 10, 250);
  const id = await place('P-SAGA-OK', 4);
  const order = await finalOf(id, 20_000);
  assert.equal(order.status, 'CONFIRMED', JSON.stringify(order));
  assert.equal(order.amount_cents, 1000);
  assert.ok(order.reserved_at && order.decided_at && order.reserved_at <= order.decided_at, `reserved, then confirmed: ${JSON.stringify(order)}`);
  assert.equal(order.payment.status, 'captured');
  assert.match(order.payment.charge_id, /^ch_/);
  assert.ok(order.payment.attempts >= 1);
  const ledger = await ledgerOf(id);
  assert.deepEqual(ledger.charges.captured, { count: 1, amount_cents: 1000 });
  assert.equal(ledger.refunds.count, 0);
  await waitFor(async () => (await stockEverywhere('P-SAGA-OK')).every((s) => s?.reserved_quantity === 4), 5000, 'every replica holds the reservation');
  const mails = async () => mailSink.messagesResponse.parse((await getJson(`${t.url['mail-sink']}/messages?order_id=${id}`)).body).messages;
  await waitFor(async () => (await mails()).length === 1, 15_000, 'the outcome email at the sink');
  assert.equal((await mails())[0]!.subject, `Order ${id}: CONFIRMED`);
});

test('gateway down: CANCELLED payment_unavailable by the deadline, stock back on all three replicas, nothing captured; after clear, CONFIRMED again', async () => {
  await newProduct('P-SAGA-DOWN', 10, 100);
  await fault({ type: 'down' });
  try {
    const ids = await Promise.all([1, 2, 3].map(() => place('P-SAGA-DOWN', 2)));
    const orders = await Promise.all(ids.map((id) => finalOf(id, DEADLINE_MS + 15_000)));
    for (const o of orders) {
      assert.equal(o.status, 'CANCELLED', JSON.stringify(o));
      assert.equal(o.reason, 'payment_unavailable');
      assert.equal(o.payment.status, 'failed');
      const tookMs = Date.parse(o.decided_at) - Date.parse(o.reserved_at);
      assert.ok(tookMs <= DEADLINE_MS + 2000, `decided ${tookMs} ms after RESERVED: within the deadline + 2 s`);
    }
    await waitFor(
      async () => (await stockEverywhere('P-SAGA-DOWN')).every((s) => s?.available_quantity === 10 && s.reserved_quantity === 0),
      10_000,
      'the compensation gave the stock back on every replica',
    );
    for (const id of ids) assert.equal((await ledgerOf(id)).charges.captured.count, 0);
    const metrics = await (await fetch(`${t.url['payment-svc']}/metrics`)).text();
    assert.match(metrics, /^payment_breaker_opens_total\{[^}]*\} [1-9]/m, 'the breaker opened');
  } finally {
    await fault({ type: 'clear' });
  }
  const after = await finalOf(await place('P-SAGA-DOWN', 1), 20_000);
  assert.equal(after.status, 'CONFIRMED', 'the breaker closes again once the gateway answers');
});

test('a charge captured but answered too late: the order is CANCELLED and the capture refunded, never CANCELLED and charged', async () => {
  await newProduct('P-SAGA-LATE', 10, 300);
  // The gateway charges at once and answers after 3 s: every attempt (1 s) and the lookup (1 s) time out.
  await fault({ type: 'latency', latency_ms: 3000 });
  let id = '';
  try {
    id = await place('P-SAGA-LATE', 1);
    const order = await finalOf(id, DEADLINE_MS + 15_000);
    assert.equal(order.status, 'CANCELLED', JSON.stringify(order));
    assert.equal(order.reason, 'payment_unavailable');
  } finally {
    await fault({ type: 'clear' });
  }
  await waitFor(async () => (await ledgerOf(id)).refunds.count === 1, 15_000, 'the late capture is refunded once the gateway answers again');
  const ledger = await ledgerOf(id);
  assert.deepEqual(ledger.charges.captured, { count: 1, amount_cents: 300 }, 'one charge, however many attempts');
  assert.equal(ledger.net_cents, 0, 'nothing kept');
  await waitFor(async () => (await stockEverywhere('P-SAGA-LATE')).every((s) => s?.available_quantity === 10), 10_000, 'stock back on every replica');
});

test('payment-svc killed with SIGKILL mid-charge and restarted: no order left RESERVED, none charged twice', async () => {
  await newProduct('P-SAGA-KILL', 100, 100);
  // Slow answers (under the 1 s attempt timeout) keep charges in flight when the kill lands.
  await fault({ type: 'latency', latency_ms: 600 });
  let ids: string[] = [];
  try {
    ids = await Promise.all(Array.from({ length: 10 }, () => place('P-SAGA-KILL', 1)));
    await waitFor(async () => (await t.db.query("SELECT count(*)::int AS n FROM payments WHERE order_id = ANY($1::uuid[])", [ids])).rows[0].n === 10, 10_000, 'every order is being charged');
    assert.ok(t.system.kill('payment-svc', 'SIGKILL'));
  } finally {
    await fault({ type: 'clear' });
  }
  const orders = await Promise.all(ids.map((id) => finalOf(id, DEADLINE_MS + 30_000)));
  for (const o of orders) {
    const ledger = await ledgerOf(o.order_id);
    assert.ok(ledger.charges.captured.count <= 1, `order ${o.order_id} captured ${ledger.charges.captured.count} times`);
    if (o.status === 'CONFIRMED') assert.equal(ledger.net_cents, 100, `CONFIRMED ${o.order_id} keeps exactly its one capture`);
    else assert.equal(o.status, 'CANCELLED');
  }
  await waitFor(
    async () => (await Promise.all(orders.map((o) => ledgerOf(o.order_id)))).every((l, k) => (orders[k].status === 'CONFIRMED' ? l.net_cents === 100 : l.net_cents === 0)),
    15_000,
    'a cancelled order keeps no money',
  );
});
