import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orderAcceptedDuringOutage } from '@ftlab/shared';
import { noteOrderAccepted, OUTAGE_NOTE } from './order-note';

const accepted = {
  order_id: '0190f0d2-7a3c-7cc1-8a1e-3f1f2b1c0d0e',
  product_id: 'PROD-001',
  quantity: 2,
  status: 'PENDING',
  reason: null,
  created_at: '2026-12-03T14:00:00.000Z',
  decided_at: null,
};

test('while inventory is out, a PENDING 202 gets the note and keeps every field orders-svc sent', () => {
  const body = noteOrderAccepted(accepted, true);
  assert.deepEqual(body, { ...accepted, note: OUTAGE_NOTE });
  orderAcceptedDuringOutage.parse(body);
});

test('with inventory in, or for anything but a PENDING order, the answer passes through untouched', () => {
  assert.equal(noteOrderAccepted(accepted, false), undefined);
  assert.equal(noteOrderAccepted({ ...accepted, status: 'CONFIRMED' }, true), undefined);
  assert.equal(noteOrderAccepted({ error: 'x' }, true), undefined);
});
