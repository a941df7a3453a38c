import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orderFinalizedEvent } from '@ftlab/shared';
import { outcomeMail } from './message';

const ID = '0190a6c8-7a3e-7c4f-9b1d-00000000000a';
const event = (status: 'CONFIRMED' | 'CANCELLED', reason: string | null = null) =>
  orderFinalizedEvent({ order_id: ID, product_id: 'PROD-001', quantity: 2, amount_cents: 3998, currency: 'EUR', status, reason, decided_at: '2026-12-03T17:00:00.000Z' });

test('one Message-ID per order outcome: the same outcome always, another outcome of the same order never', () => {
  const a = outcomeMail(event('CONFIRMED'), 'c@example.com', 'ftlab.test');
  assert.deepEqual(outcomeMail(event('CONFIRMED'), 'c@example.com', 'ftlab.test'), a, 'a resend is the same message');
  assert.equal(a.message_id, `<${ID}.confirmed@ftlab.test>`);
  assert.notEqual(outcomeMail(event('CANCELLED'), 'c@example.com', 'ftlab.test').message_id, a.message_id);
});

test('the message says the outcome, the amount and why', () => {
  const m = outcomeMail(event('CANCELLED', 'payment_unavailable'), 'c@example.com', 'ftlab.test');
  assert.equal(m.subject, `Order ${ID}: CANCELLED`);
  assert.match(m.body, /2 × PROD-001 \(39\.98 EUR\) is cancelled \(payment_unavailable\); nothing is charged/);
});
