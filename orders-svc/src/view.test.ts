import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orderView as orderViewSchema } from '@ftlab/shared';
import type { OrderRow } from './store';
import { notificationOf, orderView } from './view';

const SENT_AT = new Date('2026-12-03T17:00:01.000Z');

test('no email is due before the order is final', () => {
  assert.deepEqual(notificationOf('RESERVED', []), { status: 'none', attempts: 0, last_error: null, sent_at: null });
  assert.equal(notificationOf('PENDING', [{ status: 'CONFIRMED', attempts: 1, last_error: null, sent_at: SENT_AT }]).status, 'none');
});

test("a final order's email: pending until recorded and sent, with the failed tries and the last error; then sent with its time", () => {
  assert.deepEqual(notificationOf('CONFIRMED', []), { status: 'pending', attempts: 0, last_error: null, sent_at: null }, 'not recorded yet: due all the same');
  assert.deepEqual(notificationOf('CONFIRMED', [{ status: 'CONFIRMED', attempts: 3, last_error: 'connect ECONNREFUSED', sent_at: null }]), {
    status: 'pending',
    attempts: 3,
    last_error: 'connect ECONNREFUSED',
    sent_at: null,
  });
  assert.deepEqual(notificationOf('CONFIRMED', [{ status: 'CONFIRMED', attempts: 4, last_error: 'connect ECONNREFUSED', sent_at: SENT_AT }]), {
    status: 'sent',
    attempts: 4,
    last_error: 'connect ECONNREFUSED',
    sent_at: SENT_AT.toISOString(),
  });
});

test('a CONFIRMED order cancelled later: the CANCELLED email is the one due', () => {
  const rows = [{ status: 'CONFIRMED', attempts: 1, last_error: null, sent_at: SENT_AT }];
  assert.equal(notificationOf('CANCELLED', rows).status, 'pending');
});

test('the view parses with the shared contract, payment and notification included', () => {
  const row: OrderRow = {
    order_id: '0190a6c8-7a3e-7c4f-9b1d-00000000000a',
    product_id: 'PROD-001',
    quantity: 2,
    amount_cents: 3998,
    status: 'CANCELLED',
    reason: 'payment_unavailable',
    idempotency_key: null,
    created_at: new Date('2026-12-03T17:00:00.000Z'),
    reserved_at: new Date('2026-12-03T17:00:00.100Z'),
    decided_at: new Date('2026-12-03T17:00:06.100Z'),
    payment_status: 'failed',
    payment_attempts: 5,
    payment_error: 'no answer within 1000 ms',
    charge_id: null,
  };
  const view = orderViewSchema.parse(orderView(row, [{ status: 'CANCELLED', attempts: 1, last_error: null, sent_at: SENT_AT }]));
  assert.deepEqual(view.payment, { status: 'failed', attempts: 5, last_error: 'no answer within 1000 ms', charge_id: null });
  assert.equal(view.notification.status, 'sent');
  assert.equal(orderView({ ...row, status: 'RESERVED', payment_status: null, payment_attempts: null, payment_error: null, decided_at: null }).payment.status, 'charging');
});
