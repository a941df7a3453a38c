import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OperationRecorder, toOperation, type RawRequest } from './recorder';
import type { HttpOutcome } from '@ftlab/shared';

const ID = '00000000-0000-4000-8000-000000000001';
/** An answer of any status, or a call that failed without one. */
const answer = (status: number, body: unknown): HttpOutcome => ({ ok: true, status, body });
const op = (request: RawRequest, result: HttpOutcome) => toOperation({ request, invokeMs: 10, completeMs: 20, result });
const order: RawRequest = { kind: 'place_order', productId: 'PROD-001', quantity: 2 };
const read: RawRequest = { kind: 'read_stock', productId: 'PROD-001' };

test('an accepted order carries its id; 4xx is refused; 5xx and no answer are indeterminate', () => {
  assert.deepEqual(op(order, answer(202, { order_id: ID, status: 'PENDING' })), {
    kind: 'place_order', productId: 'PROD-001', quantity: 2, invokeMs: 10, completeMs: 20, result: { type: 'accepted', status: 202, orderId: ID },
  });
  assert.deepEqual(op(order, answer(404, { error: 'unknown product PROD-9' })).result, { type: 'refused', status: 404, error: 'unknown product PROD-9' });
  assert.deepEqual(op(order, answer(503, { error: 'database unavailable' })).result, { type: 'indeterminate', reason: 'HTTP 503: database unavailable' });
  assert.deepEqual(op(order, { ok: false, failure: { kind: 'timeout', timeoutMs: 1000 } }).result, { type: 'indeterminate', reason: 'timeout' });
});

test('a read keeps its value, quorum and log position; a 503 read is refused, a timeout indeterminate', () => {
  const body = { product_id: 'PROD-001', available_quantity: 7, reserved_quantity: 3, position: { partition: 2, offset: 41 }, quorum: { agreed: true } };
  assert.deepEqual(op(read, answer(200, body)).result, { type: 'value', available: 7, reserved: 3, quorum: true, position: { partition: 2, offset: 41 } });
  assert.deepEqual(op(read, answer(200, { ...body, position: undefined })).result, { type: 'value', available: 7, reserved: 3, quorum: true });
  assert.deepEqual(op(read, answer(404, { error: 'no such product', quorum: {} })).result, { type: 'not_found' });
  assert.deepEqual(op(read, answer(503, { error: 'no quorum' })).result, { type: 'refused', status: 503, error: 'HTTP 503: no quorum' });
  assert.deepEqual(op(read, { ok: false, failure: { kind: 'refused', code: 'ECONNREFUSED' } }).result, { type: 'indeterminate', reason: 'refused' });
});

test('cancels and restocks', () => {
  assert.deepEqual(op({ kind: 'cancel_order', orderId: ID }, answer(202, {})).result, { type: 'accepted', status: 202 });
  assert.deepEqual(op({ kind: 'cancel_order', orderId: ID }, answer(409, { error: 'order is REJECTED' })).result, { type: 'refused', status: 409, error: 'order is REJECTED' });
  const restock: RawRequest = { kind: 'restock', productId: 'PROD-001', quantity: 5 };
  assert.deepEqual(op(restock, answer(202, { product_id: 'PROD-001', quantity: 5, event_id: ID })).result, { type: 'accepted', status: 202, eventId: ID });
  assert.deepEqual(op(restock, answer(202, {})).result, { type: 'indeterminate', reason: 'HTTP 202' });
});

test('the recorder keeps raw answers and turns them into operations in invocation order', () => {
  const recorder = new OperationRecorder();
  recorder.add(read, 30, 31, answer(503, {}));
  recorder.add(order, 5, 40, answer(202, { order_id: ID }));
  assert.equal(recorder.size, 2);
  assert.deepEqual(recorder.operations().map((o) => [o.kind, o.invokeMs]), [['place_order', 5], ['read_stock', 30]]);
});
