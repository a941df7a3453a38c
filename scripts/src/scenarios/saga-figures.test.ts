import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderFigures, figure } from './figures';
import {
  breakerTimes,
  confirmedAmong,
  decisionLatency,
  longestPaymentWait,
  mailDelivery,
  replicasWithStockBack,
  tallyMoney,
  tallyOrders,
  withinShareOf,
  type SagaOrder,
} from './saga-figures';

const order = (id: string, status: SagaOrder['status'], createdAtMs: number, decidedAfterMs: number | null, reason: string | null = null): SagaOrder => ({
  orderId: id,
  status,
  reason,
  quantity: 2,
  createdAtMs,
  reservedAtMs: decidedAfterMs === null ? null : createdAtMs + 10,
  decidedAtMs: decidedAfterMs === null ? null : createdAtMs + decidedAfterMs,
});

const ORDERS = [
  order('a', 'CONFIRMED', 0, 100),
  order('b', 'CANCELLED', 1000, 15_010, 'payment_unavailable'),
  order('c', 'CANCELLED', 2000, 300, 'payment_declined'),
  order('d', 'RESERVED', 3000, null),
  order('e', 'CONFIRMED', 5000, 200),
];

describe('saga figures', () => {
  it('counts orders by outcome and reason, and the units CONFIRMED orders keep', () => {
    assert.deepEqual(tallyOrders(ORDERS), {
      confirmed: 2,
      cancelled: 2,
      cancelledBy: { payment_unavailable: 1, payment_declined: 1 },
      rejected: 0,
      open: 1,
      confirmedQuantity: 4,
    });
  });

  it('takes decision latency of the orders created in a window only, and the longest RESERVED → final wait', () => {
    assert.deepEqual(decisionLatency(ORDERS, { fromMs: 0, toMs: 2500 }), { p50Ms: 300, p99Ms: 15_010, orders: 3 });
    assert.deepEqual(decisionLatency(ORDERS, { fromMs: 6000, toMs: 7000 }), { p50Ms: null, p99Ms: null, orders: 0 });
    assert.equal(longestPaymentWait(ORDERS), 15_000);
    assert.equal(longestPaymentWait([order('x', 'PENDING', 0, null)]), undefined);
    assert.deepEqual(confirmedAmong(ORDERS, { fromMs: 2000, toMs: Infinity }), { placed: 3, confirmed: 1 });
  });

  it('counts money per order: a second capture, captures kept, and captures of cancelled or declined orders', () => {
    const charges = new Map([
      ['a', { captured: 1, declined: 0, refunds: 0 }],
      ['b', { captured: 1, declined: 0, refunds: 1 }],
      ['c', { captured: 0, declined: 1, refunds: 0 }],
      ['e', { captured: 2, declined: 0, refunds: 0 }],
    ]);
    assert.deepEqual(tallyMoney(ORDERS, charges), { captures: 4, refunds: 1, kept: 3, maxCapturesPerOrder: 2, capturesOfCancelled: 1, capturesOfDeclined: 0, declined: 1 });
  });

  it('times the breaker from the fault to open, and from the clear to closed again', () => {
    const samples = [
      { atMs: 900, state: 'closed' },
      { atMs: 1100, state: 'closed' },
      { atMs: 3200, state: 'open' },
      { atMs: 9000, state: 'half_open' },
      { atMs: 9900, state: 'closed' },
    ];
    assert.deepEqual(breakerTimes(samples, 1000, 9500), { openedAfterMs: 2200, closedAfterClearMs: 400, opened: true });
    assert.deepEqual(breakerTimes(samples.slice(0, 2), 1000, 9500), { openedAfterMs: null, closedAfterClearMs: null, opened: false });
    assert.deepEqual(breakerTimes(samples.slice(0, 4), 1000, 9500).closedAfterClearMs, null);
  });

  it('finds the replicas that hold exactly stock − CONFIRMED units', () => {
    const rows = [
      { instanceId: '1', available: 96, reserved: 4 },
      { instanceId: '2', available: 94, reserved: 6 },
      { instanceId: '3', available: 96, reserved: 4 },
    ];
    assert.deepEqual(replicasWithStockBack(rows, 100, 4), ['1', '3']);
  });

  it('counts emails per outcome: exactly once, missing, duplicated, after recovery, and the longest delay', () => {
    const outcomes = [
      { orderId: 'a', decidedAtMs: 100 },
      { orderId: 'b', decidedAtMs: 200 },
      { orderId: 'c', decidedAtMs: 300 },
    ];
    const mails = [
      { orderId: 'a', receivedAtMs: 150 },
      { orderId: 'b', receivedAtMs: 31_000 },
      { orderId: 'b', receivedAtMs: 31_100 },
      { orderId: null, receivedAtMs: 50 },
      { orderId: 'z', receivedAtMs: 50 },
    ];
    assert.deepEqual(mailDelivery(outcomes, mails, 30_000), { outcomes: 3, exactlyOnce: 1, missing: 1, duplicated: 1, afterRecovery: 2, longestDelayMs: 30_900 });
  });

  it('holds latency within a share of the reference plus a margin, never when either is missing', () => {
    assert.deepEqual(withinShareOf(165, 100, 0.1, 50), { bound: 160, met: false });
    assert.equal(withinShareOf(160, 100, 0.1, 50).met, true);
    assert.equal(withinShareOf(null, 100, 0.1, 50).met, false);
  });

  it('prints figures as aligned lines, a missing value as a dash', () => {
    const text = renderFigures([figure('breaker_open_ms', 'breaker open after', 2034.4, 'ms'), figure('captures', 'captures', 12), figure('x', 'never', Number.NaN, 'ms')]);
    assert.equal(text, ['figures', '  breaker open after  2034 ms', '  captures            12', '  never               —'].join('\n'));
    assert.equal(renderFigures([]), '');
  });
});
