import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chargeParams, compareReuse, refundParams } from './idempotency';

const request = { amount_cents: 1299, currency: 'EUR', order_id: 'o-1', description: 'two tickets' } as const;

test('the same charge request under a key is a replay', () => {
  assert.deepEqual(compareReuse(chargeParams(request), chargeParams({ ...request })), { replay: true });
});

test('another amount, currency, order or description under the same key is a conflict naming it', () => {
  assert.deepEqual(compareReuse(chargeParams(request), chargeParams({ ...request, amount_cents: 1300 })), { replay: false, field: 'amount_cents' });
  assert.deepEqual(compareReuse(chargeParams(request), chargeParams({ ...request, currency: 'USD' })), { replay: false, field: 'currency' });
  assert.deepEqual(compareReuse(chargeParams(request), chargeParams({ ...request, order_id: 'o-2' })), { replay: false, field: 'order_id' });
  assert.deepEqual(compareReuse(chargeParams(request), chargeParams({ ...request, description: undefined })), { replay: false, field: 'description' });
});

test('a refund of "the rest" is not the same request as a refund of an amount', () => {
  const rest = refundParams({ charge_id: 'ch_1' });
  assert.deepEqual(compareReuse(rest, refundParams({ charge_id: 'ch_1' })), { replay: true });
  assert.deepEqual(compareReuse(rest, refundParams({ charge_id: 'ch_1', amount_cents: 100 })), { replay: false, field: 'amount_cents' });
  assert.deepEqual(compareReuse(rest, refundParams({ charge_id: 'ch_2' })), { replay: false, field: 'charge_id' });
});

test('amounts read back from the database compare as numbers', () => {
  // pg returns bigint columns as strings; the store converts them, and a string would not match.
  assert.deepEqual(compareReuse({ amount_cents: '1299' as unknown as number }, { amount_cents: 1299 }), { replay: false, field: 'amount_cents' });
});
