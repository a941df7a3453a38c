import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distort, INCORRECT_OFFSET, requestEffect } from './faults';

const view = { product_id: 'PROD-001', available_quantity: 10, reserved_quantity: 2, position: { partition: 1, offset: 5 } };

test('no fault: no delay, no failure, the true value', () => {
  assert.deepEqual(requestEffect(null, () => 0), { delayMs: 0, fail: false });
  assert.deepEqual(distort(null, view), view);
});

test('latency is the configured delay with ±20 % jitter', () => {
  const fault = { type: 'latency', latency_ms: 1200 } as const;
  assert.equal(requestEffect(fault, () => 0).delayMs, 960);
  assert.equal(requestEffect(fault, () => 0.5).delayMs, 1200);
  assert.equal(requestEffect(fault, () => 0.999999).delayMs, 1440);
});

test('intermittent fails exactly when the draw falls under the probability', () => {
  const fault = { type: 'intermittent', probability: 0.5 } as const;
  assert.equal(requestEffect(fault, () => 0.49).fail, true);
  assert.equal(requestEffect(fault, () => 0.5).fail, false);
});

test('incorrect lies about its product only, and the lie differs from the truth', () => {
  const fault = { type: 'incorrect', product_id: 'PROD-001' } as const;
  assert.equal(distort(fault, view).available_quantity, 10 + INCORRECT_OFFSET);
  assert.deepEqual(distort(fault, { ...view, product_id: 'PROD-002' }), { ...view, product_id: 'PROD-002' });
});
