import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideRefund } from './refund-rule';

const captured = { status: 'captured', amount_cents: 1000, amount_refunded_cents: 0 } as const;

test('a refund without an amount refunds what is left', () => {
  assert.deepEqual(decideRefund(captured, undefined), { ok: true, amount_cents: 1000 });
  assert.deepEqual(decideRefund({ ...captured, amount_refunded_cents: 400 }, undefined), { ok: true, amount_cents: 600 });
});

test('partial refunds up to what is left are allowed, one cent more is not', () => {
  const partly = { ...captured, amount_refunded_cents: 400 };
  assert.deepEqual(decideRefund(partly, 600), { ok: true, amount_cents: 600 });
  const tooMuch = decideRefund(partly, 601);
  assert.equal(tooMuch.ok, false);
  assert.equal(!tooMuch.ok && tooMuch.field, 'amount_cents');
});

test('a fully refunded charge refuses another refund, with or without an amount', () => {
  const done = { ...captured, amount_refunded_cents: 1000 };
  assert.equal(decideRefund(done, undefined).ok, false);
  assert.equal(decideRefund(done, 1).ok, false);
});

test('a declined charge cannot be refunded', () => {
  const result = decideRefund({ status: 'declined', amount_cents: 1000, amount_refunded_cents: 0 }, undefined);
  assert.deepEqual(result.ok ? undefined : result.code, 'charge_not_refundable');
});
