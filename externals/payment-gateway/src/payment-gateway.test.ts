import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { createPool, paymentGateway as api, type Pool } from '@ftlab/shared';
import { freePort } from '@ftlab/scripts/dist/lib/ports';
import { freshDatabaseUrl, startProgram, type StartedProgram } from '@ftlab/scripts/dist/lib/testing';

/**
 * The gateway as a real process (its built dist/main.js) on a free port with a fresh database,
 * driven over real HTTP: what a payment service will see from it, faults included.
 */

const TOKEN = 'payment-gateway-test-token-0123456789';
const MAIN = path.resolve(__dirname, 'main.js');
let base = '';
let env: Record<string, string> = {};
let gateway: StartedProgram | undefined;
let db: Pool;

async function start(): Promise<void> {
  gateway = await startProgram('payment-gateway', MAIN, env, `${base}/health`);
}

before(async () => {
  const port = await freePort();
  const databaseUrl = await freshDatabaseUrl('payment_gateway');
  base = `http://127.0.0.1:${port}`;
  env = {
    HOST: '127.0.0.1',
    PAYMENT_GATEWAY_PORT: String(port),
    PAYMENT_GATEWAY_DATABASE_URL: databaseUrl,
    ADMIN_TOKEN: TOKEN,
    LOG_LEVEL: 'warn',
  };
  db = createPool(databaseUrl, 2);
  await start();
});

after(async () => {
  await gateway?.stop();
  await db.end();
});

type Answer = { status: number; body: any; headers: Headers; ms: number };

async function call(method: string, route: string, opts: { body?: unknown; key?: string; token?: string; timeoutMs?: number } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.key !== undefined) headers['idempotency-key'] = opts.key;
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  const started = performance.now();
  const res = await fetch(`${base}${route}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
  });
  return { status: res.status, body: await res.json().catch(() => undefined), headers: res.headers, ms: performance.now() - started };
}

const newKey = () => `key-${crypto.randomUUID()}`;
const newOrder = () => `order-${crypto.randomUUID()}`;
const charge = (key: string, request: Partial<api.ChargeRequest> & { order_id: string }) =>
  call('POST', '/charges', { key, body: { amount_cents: 2500, currency: 'EUR', ...request } });
const setFault = (fault: api.GatewayFaultRequest) => call('POST', '/admin/faults', { token: TOKEN, body: fault });
const ledgerOf = async (orderId: string): Promise<api.Ledger> => api.ledger.parse((await call('GET', `/ledger?order_id=${orderId}`)).body);
const rowsWithKey = async (key: string) => Number((await db.query('SELECT count(*) FROM gateway_charges WHERE idempotency_key = $1', [key])).rows[0].count);

test('a charge is captured, answered in the shared contract, and found by id and by idempotency key', async () => {
  const key = newKey();
  const order = newOrder();
  const created = await charge(key, { order_id: order, description: 'two tickets' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const body = api.charge.parse(created.body);
  assert.equal(body.status, 'captured');
  assert.equal(body.amount_cents, 2500);
  assert.equal(body.idempotency_key, key);
  assert.equal(created.headers.get('idempotent-replayed'), null);
  assert.deepEqual((await call('GET', `/charges/${body.id}`)).body, created.body);
  assert.deepEqual((await call('GET', `/charges?idempotency_key=${key}`)).body, created.body);
  assert.equal((await call('GET', `/charges?idempotency_key=${newKey()}`)).status, 404);
  assert.equal((await call('GET', '/charges/ch_doesnotexist')).status, 404);
});

test('the same key twice returns the same charge, and concurrent requests with one key make one charge', async () => {
  const key = newKey();
  const order = newOrder();
  const first = await charge(key, { order_id: order });
  const again = await charge(key, { order_id: order });
  assert.equal(again.status, 201);
  assert.equal(again.body.id, first.body.id);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');

  const racingKey = newKey();
  const racingOrder = newOrder();
  const answers = await Promise.all(Array.from({ length: 12 }, () => charge(racingKey, { order_id: racingOrder })));
  assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([201]));
  assert.equal(new Set(answers.map((a) => a.body.id)).size, 1, 'every concurrent request got the same charge');
  assert.equal(await rowsWithKey(racingKey), 1);
  assert.equal((await ledgerOf(racingOrder)).charges.captured.count, 1);
});

test('the same key with another amount is refused with 422 naming the field; nothing is charged again', async () => {
  const key = newKey();
  const order = newOrder();
  await charge(key, { order_id: order, amount_cents: 1000 });
  const reused = await charge(key, { order_id: order, amount_cents: 1001 });
  assert.equal(reused.status, 422);
  assert.equal(reused.body.code, 'idempotency_key_reused');
  assert.equal(reused.body.field, 'amount_cents');
  assert.deepEqual((await ledgerOf(order)).charges.captured, { count: 1, amount_cents: 1000 });
});

test('requests are validated: a missing Idempotency-Key or a bad body is a 400 naming the field', async () => {
  const noKey = await call('POST', '/charges', { body: { amount_cents: 100, currency: 'EUR', order_id: 'o' } });
  assert.equal(noKey.status, 400);
  assert.equal(noKey.body.field, 'idempotency-key');
  const badAmount = await charge(newKey(), { order_id: 'o', amount_cents: 0 });
  assert.equal(badAmount.status, 400);
  assert.equal(badAmount.body.field, 'amount_cents');
  const badCurrency = await call('POST', '/charges', { key: newKey(), body: { amount_cents: 100, currency: 'XXX', order_id: 'o' } });
  assert.equal(badCurrency.body.field, 'currency');
});

test('faults need the admin token', async () => {
  assert.equal((await call('GET', '/admin/faults')).status, 401);
  assert.equal((await call('POST', '/admin/faults', { body: { type: 'down' } })).status, 401);
  assert.equal((await call('POST', '/admin/faults', { token: `${TOKEN}x`, body: { type: 'down' } })).status, 401);
  assert.deepEqual((await call('GET', '/admin/faults', { token: TOKEN })).body, { fault: null });
  assert.equal((await setFault({ type: 'latency', latency_ms: 0 } as never)).body.field, 'latency_ms');
});

test('decline: every new charge is declined, an earlier charge replays as it was; clear captures again', async () => {
  const order = newOrder();
  const earlierKey = newKey();
  await charge(earlierKey, { order_id: order });
  assert.deepEqual((await setFault({ type: 'decline' })).body, { fault: { type: 'decline' } });
  try {
    const declined = await charge(newKey(), { order_id: order });
    assert.equal(declined.status, 201);
    assert.equal(declined.body.status, 'declined');
    assert.equal(declined.body.decline_code, 'card_declined');
    assert.equal((await charge(earlierKey, { order_id: order })).body.status, 'captured');
  } finally {
    await setFault({ type: 'clear' });
  }
  assert.equal((await charge(newKey(), { order_id: order })).body.status, 'captured');
  const ledger = await ledgerOf(order);
  assert.equal(ledger.charges.captured.count, 2);
  assert.equal(ledger.charges.declined.count, 1);
});

test('down: every call is refused with 503 and Retry-After, and no money moves; clear serves again', async () => {
  const order = newOrder();
  await setFault({ type: 'down' });
  try {
    const refused = await charge(newKey(), { order_id: order });
    assert.equal(refused.status, 503);
    assert.ok(refused.headers.get('retry-after'));
    assert.equal((await call('GET', `/charges?idempotency_key=${newKey()}`)).status, 503);
    assert.equal((await ledgerOf(order)).charges.captured.count, 0, 'the ledger answers during the fault, and holds nothing');
    assert.equal((await call('GET', '/health')).status, 200);
  } finally {
    await setFault({ type: 'clear' });
  }
  assert.equal((await charge(newKey(), { order_id: order })).status, 201);
});

test('latency: the charge is captured at once but the answer comes late, so a client that gave up was charged', async () => {
  const LATENCY_MS = 1500;
  const order = newOrder();
  const key = newKey();
  await setFault({ type: 'latency', latency_ms: LATENCY_MS });
  try {
    const impatient = call('POST', '/charges', { key, body: { amount_cents: 2500, currency: 'EUR', order_id: order }, timeoutMs: 300 });
    await assert.rejects(impatient, { name: 'TimeoutError' });
    assert.equal((await ledgerOf(order)).charges.captured.count, 1, 'charged although the client gave up');
    const patient = await charge(key, { order_id: order });
    assert.equal(patient.status, 201);
    assert.equal(patient.headers.get('idempotent-replayed'), 'true', 'the retry with the same key finds the charge made before');
    assert.ok(patient.ms >= LATENCY_MS * 0.95, `answered after ${patient.ms.toFixed(0)} ms, expected at least ${LATENCY_MS}`);
  } finally {
    await setFault({ type: 'clear' });
  }
  assert.equal((await ledgerOf(order)).charges.captured.count, 1);
});

test('intermittent: failed calls answer 503 (nothing charged) or 500 (charged anyway)', async () => {
  const order = newOrder();
  await setFault({ type: 'intermittent', probability: 1 });
  let answers: Answer[];
  try {
    answers = await Promise.all(Array.from({ length: 20 }, () => charge(newKey(), { order_id: order, amount_cents: 100 })));
  } finally {
    await setFault({ type: 'clear' });
  }
  const statuses = answers.map((a) => a.status);
  assert.ok(statuses.every((s) => s === 500 || s === 503), `every call failed: ${statuses.join(',')}`);
  const failedAfterWork = statuses.filter((s) => s === 500).length;
  assert.equal((await ledgerOf(order)).charges.captured.count, failedAfterWork, 'exactly the 500s were charged');
});

test('refunds: partial, too much (4xx), the rest, replay by key, and concurrent refunds never exceed the charge', async () => {
  const order = newOrder();
  const captured = await charge(newKey(), { order_id: order, amount_cents: 1000 });
  const chargeId: string = captured.body.id;
  const refund = (key: string, body: api.RefundRequest) => call('POST', '/refunds', { key, body });

  const partKey = newKey();
  const part = await refund(partKey, { charge_id: chargeId, amount_cents: 300 });
  assert.equal(part.status, 201, JSON.stringify(part.body));
  assert.equal(api.refund.parse(part.body).amount_cents, 300);
  assert.equal((await refund(partKey, { charge_id: chargeId, amount_cents: 300 })).body.id, part.body.id, 'same key, same refund');
  assert.equal((await refund(partKey, { charge_id: chargeId, amount_cents: 200 })).status, 422);

  const tooMuch = await refund(newKey(), { charge_id: chargeId, amount_cents: 701 });
  assert.equal(tooMuch.status, 422);
  assert.equal(tooMuch.body.field, 'amount_cents');
  const rest = await refund(newKey(), { charge_id: chargeId });
  assert.equal(rest.body.amount_cents, 700);
  assert.equal((await refund(newKey(), { charge_id: chargeId })).body.code, 'charge_already_refunded');
  assert.equal((await call('GET', `/charges/${chargeId}`)).body.amount_refunded_cents, 1000);
  assert.equal((await refund(newKey(), { charge_id: 'ch_unknown' })).status, 404);
  assert.equal((await call('POST', '/refunds', { body: { charge_id: chargeId } })).body.field, 'idempotency-key');

  const other = await charge(newKey(), { order_id: order, amount_cents: 500 });
  const racing = await Promise.all(Array.from({ length: 6 }, () => refund(newKey(), { charge_id: other.body.id, amount_cents: 500 })));
  assert.equal(racing.filter((r) => r.status === 201).length, 1, `one full refund wins: ${racing.map((r) => r.status).join(',')}`);

  const third = await charge(newKey(), { order_id: order, amount_cents: 200 });
  const twinKey = newKey();
  const twins = await Promise.all(Array.from({ length: 6 }, () => refund(twinKey, { charge_id: third.body.id, amount_cents: 50 })));
  assert.deepEqual(new Set(twins.map((r) => r.status)), new Set([201]));
  assert.equal(new Set(twins.map((r) => r.body.id)).size, 1, 'concurrent requests with one key make one refund');

  const ledger = await ledgerOf(order);
  assert.deepEqual(ledger.refunds, { count: 4, amount_cents: 1550 });
  assert.equal(ledger.net_cents, 150);
});

test('/metrics counts charges by outcome', async () => {
  const res = await fetch(`${base}/metrics`);
  const text = await res.text();
  assert.match(text, /gateway_charges_total\{outcome="captured"[^}]*\} \d+/);
  assert.match(text, /gateway_charges_total\{outcome="replayed"[^}]*\} \d+/);
  assert.match(text, /gateway_charges_total\{outcome="key_conflict"[^}]*\} \d+/);
  assert.match(text, /gateway_fault_effects_total\{effect="refused"[^}]*\} [1-9]/);
  assert.match(text, /gateway_fault_effects_total\{effect="delayed"[^}]*\} [1-9]/);
});

test('the ledger lives in Postgres: after a restart the same key still replays the same charge', async () => {
  const key = newKey();
  const order = newOrder();
  const first = await charge(key, { order_id: order });
  await gateway!.stop();
  await start();
  const again = await charge(key, { order_id: order });
  assert.equal(again.body.id, first.body.id);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
});

test('without its database the gateway answers 503 with Retry-After, keeps running, and the ledger says so too', async () => {
  const url = new URL(env.PAYMENT_GATEWAY_DATABASE_URL!);
  const server = createPool(`${url.protocol}//${url.username}@${url.host}/postgres`, 1);
  try {
    await server.query(`DROP DATABASE "${url.pathname.slice(1)}" WITH (FORCE)`);
  } finally {
    await server.end();
  }
  const refused = await charge(newKey(), { order_id: newOrder() });
  assert.equal(refused.status, 503, JSON.stringify(refused.body));
  assert.ok(refused.headers.get('retry-after'));
  assert.equal((await call('GET', '/ledger')).status, 503);
  assert.equal((await call('GET', '/health')).status, 200, 'the process is still up');
});
