import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkHistory, type HistoryVerdict } from './check';
import type { History } from './history';
import { E2, O1, O2, O3, goodHistory } from './history.fixture';

/** The named check's verdict; fails the test with the whole verdict when it is not there. */
function check(verdict: HistoryVerdict, name: string) {
  const found = verdict.checks.find((c) => c.name === name);
  assert.ok(found, `no check named ${name}`);
  return found;
}

/** Asserts the history fails, and that check `name` failed with a reason matching `reason`. */
function assertCaught(history: History, name: string, reason: RegExp): void {
  const verdict = checkHistory(history);
  assert.equal(verdict.ok, false, 'the history must fail');
  const c = check(verdict, name);
  assert.equal(c.status, 'fail', `${name} must fail: ${JSON.stringify(verdict.checks, null, 1)}`);
  assert.ok(
    c.reasons.some((r) => reason.test(r)),
    `${name} reasons ${JSON.stringify(c.reasons)} must match ${reason}`,
  );
}

test('a consistent history with a fault, timeouts, refusals and a re-sent event passes every check', () => {
  const verdict = checkHistory(goodHistory());
  assert.deepEqual(
    verdict.checks.filter((c) => c.status === 'fail').map((c) => [c.name, c.reasons]),
    [],
  );
  assert.equal(verdict.ok, true);
  assert.equal(check(verdict, 'reads_match_log').summary, '5 read value(s) match the log; 2 read(s) without a value or position not judged');
  assert.equal(check(verdict, 'payments').status, 'not_applicable');
  assert.deepEqual(verdict.stats.operations.place_order, { accepted: 3, indeterminate: 2 });
  assert.equal(verdict.stats.faults_injected, 1);
});

test('without the log, reads are not applicable (never silently passed) and replicas are compared by majority', () => {
  const h = goodHistory();
  delete h.final.log;
  delete h.final.logEnd;
  const verdict = checkHistory(h);
  assert.equal(verdict.ok, true);
  assert.equal(check(verdict, 'reads_match_log').status, 'not_applicable');
  assert.match(check(verdict, 'no_divergent_replica').title, /majority/);
});

test('lost order: a 202 whose id is not in the orders table', () => {
  const h = goodHistory();
  h.final.orders = h.final.orders.filter((o) => o.orderId !== O2);
  assertCaught(h, 'orders_decided', new RegExp(`lost order ${O2}`));
});

test('an order still PENDING after the settle time', () => {
  const h = goodHistory();
  h.final.orders[0]!.status = 'PENDING';
  assertCaught(h, 'orders_decided', new RegExp(`order ${O1} still PENDING .*told 202`));
});

test('an order decided otherwise than the replicas hold it', () => {
  const h = goodHistory();
  h.final.orders[1]!.status = 'CONFIRMED';
  assertCaught(h, 'orders_decided', new RegExp(`order ${O2} is CONFIRMED but the replicas hold REJECTED/REJECTED/REJECTED`));
});

test('an accepted cancel whose order does not end CANCELLED', () => {
  const h = goodHistory();
  h.operations.push({ kind: 'cancel_order', orderId: O1, invokeMs: 1, completeMs: 2, result: { type: 'accepted', status: 202 } });
  assertCaught(h, 'orders_decided', new RegExp(`order ${O1}: cancel told 202 .* order ends CONFIRMED`));
});

test('oversell: more confirmed than ever entered the stock', () => {
  const h = goodHistory();
  const big = '00000000-0000-4000-8000-0000000000aa';
  h.final.orders.push({ orderId: big, productId: 'PROD-002', quantity: 6, status: 'CONFIRMED', decidedAtMs: null });
  for (const r of Object.values(h.final.replicas)) r.reservations[big] = { productId: 'PROD-002', quantity: 6, state: 'RESERVED' };
  assertCaught(h, 'no_oversell', /PROD-002 oversold: 6 confirmed of 4 in stock \(2 too many\)/);
});

test('an accepted restock that never reached the log', () => {
  const h = goodHistory();
  h.final.restocks = [];
  assertCaught(h, 'no_oversell', new RegExp(`restock ${E2} .* not in the log's restocks`));
});

test('double apply: an order reserved twice by one replica', () => {
  const h = goodHistory();
  h.final.replicas['2']!.stock['PROD-001'] = { available: 9, reserved: 6 };
  assertCaught(h, 'applied_once', /replica 2: PROD-001 reserved 6 but its RESERVED reservations sum to 3/);
  assertCaught(h, 'no_divergent_replica', /replica 2 diverges at stock PROD-001: 9 available \/ 6 reserved, the log gives 12 available \/ 3 reserved/);
});

test('double apply: a restock counted twice breaks the conserved total', () => {
  const h = goodHistory();
  h.final.replicas['3']!.stock['PROD-001'] = { available: 17, reserved: 3 };
  assertCaught(h, 'applied_once', /replica 3: PROD-001 available \+ reserved = 20, stock that entered the log = 15/);
});

test('wrong read: a value the log never had at the position the answer names', () => {
  const h = goodHistory();
  h.operations.push({
    kind: 'read_stock',
    productId: 'PROD-001',
    invokeMs: 1,
    completeMs: 2,
    result: { type: 'value', available: 6, reserved: 3, position: { partition: 0, offset: 1 }, quorum: true },
  });
  assertCaught(h, 'reads_match_log', /answered 6\/3 \(available\/reserved\) at 0:1; the log gives 7\/3/);
});

test('wrong read: a stale value presented as the latest position', () => {
  const h = goodHistory();
  h.operations.push({ kind: 'read_stock', productId: 'PROD-001', invokeMs: 1, completeMs: 2, result: { type: 'value', available: 7, reserved: 3, position: { partition: 0, offset: 5 } } });
  assertCaught(h, 'reads_match_log', /at 0:5; the log gives 12\/3/);
});

test('wrong read: a position in another partition, past the log end, or before the product existed', () => {
  for (const [position, reason] of [
    [{ partition: 1, offset: 0 }, /names partition 1, but PROD-001's events are in partition 0/],
    [{ partition: 0, offset: 7 }, /past the log's end \(7\)/],
    [{ partition: 0, offset: -1 }, /where the log has no PROD-001 yet/],
  ] as const) {
    const h = goodHistory();
    h.operations.push({ kind: 'read_stock', productId: 'PROD-001', invokeMs: 1, completeMs: 2, result: { type: 'value', available: 10, reserved: 0, position } });
    assertCaught(h, 'reads_match_log', reason);
  }
});

test('divergent replica: one corrupted row is named, with or without the log', () => {
  for (const withLog of [true, false]) {
    const h = goodHistory();
    if (!withLog) delete h.final.log;
    h.final.replicas['3']!.stock['PROD-002'] = { available: 3, reserved: 0 };
    assertCaught(h, 'no_divergent_replica', new RegExp(`replica 3 diverges at stock PROD-002: 3 available / 0 reserved, the ${withLog ? 'log gives' : 'majority holds'} 4 available`));
    assertCaught(h, 'replicas_converged', /stock PROD-002: replica 1 .*, replica 3 3 available/);
  }
});

test('divergent replica: a reservation the others do not have, and a replica that stopped short of the log end', () => {
  const h = goodHistory();
  h.final.replicas['1']!.reservations[O3]!.state = 'RESERVED';
  h.final.replicas['2']!.nextOffsets = { '0': 5, '1': 1 };
  assertCaught(h, 'no_divergent_replica', new RegExp(`replica 1 diverges at reservation ${O3}: RESERVED`));
  assertCaught(h, 'replicas_converged', /replica 2 has applied partition 0 up to 5 of 7/);
});

test('all replicas wrong the same way: converged, but the log replay still catches it', () => {
  const h = goodHistory();
  for (const r of Object.values(h.final.replicas)) r.stock['PROD-002'] = { available: 5, reserved: 0 };
  h.final.initialStock['PROD-002'] = 5;
  const verdict = checkHistory(h);
  assert.equal(check(verdict, 'replicas_converged').status, 'pass');
  assertCaught(h, 'no_divergent_replica', /replica 1 diverges at stock PROD-002/);
});

test('reasons are capped, and the full count kept', () => {
  const h = goodHistory();
  for (let i = 0; i < 25; i++) {
    h.operations.push({ kind: 'place_order', productId: 'PROD-001', quantity: 1, invokeMs: i, completeMs: i, result: { type: 'accepted', status: 202, orderId: `lost-${i}` } });
  }
  const c = check(checkHistory(h), 'orders_decided');
  assert.equal(c.offenders, 25);
  assert.equal(c.reasons.length, 11);
  assert.equal(c.reasons.at(-1), '... and 15 more');
});

test('payments: a consistent ledger passes', () => {
  const h = goodHistory();
  h.final.payments = { captures: [{ orderId: O1, amount: 30 }, { orderId: O3, amount: 20 }], refunds: [{ orderId: O3, amount: 20 }] };
  const verdict = checkHistory(h);
  assert.equal(verdict.ok, true, JSON.stringify(check(verdict, 'payments')));
  assert.equal(check(verdict, 'payments').status, 'pass');
});

test('payments: charged but cancelled, confirmed without capture, charged twice, refund without capture', () => {
  const cases: [History['final']['payments'], RegExp][] = [
    [{ captures: [{ orderId: O1, amount: 30 }, { orderId: O3, amount: 20 }], refunds: [] }, new RegExp(`order ${O3} is CANCELLED, captured 1 time\\(s\\), refunded 0`)],
    [{ captures: [], refunds: [] }, new RegExp(`order ${O1} is CONFIRMED with 0 capture`)],
    [{ captures: [{ orderId: O1, amount: 30 }, { orderId: O1, amount: 30 }], refunds: [] }, new RegExp(`order ${O1} is CONFIRMED with 2 capture`)],
    [{ captures: [{ orderId: O1, amount: 30 }], refunds: [{ orderId: O3, amount: 20 }] }, new RegExp(`order ${O3} is CANCELLED and refunded without a capture`)],
    [{ captures: [{ orderId: O1, amount: 30 }, { orderId: O2, amount: 80 }], refunds: [] }, new RegExp(`order ${O2} is REJECTED but has 1 capture`)],
  ];
  for (const [payments, reason] of cases) {
    const h = goodHistory();
    h.final.payments = payments;
    assertCaught(h, 'payments', reason);
  }
});
