import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { paymentGateway } from '@ftlab/shared';
import { chargeAttempt, failedAttempt, failedLookup, keepsCharge, needsLookup, reconcile, retryWindowMs, settle, worthRetrying, type Lookup } from './saga';

const charge = (status: 'captured' | 'declined'): paymentGateway.Charge => ({
  id: 'ch_1',
  status,
  amount_cents: 500,
  currency: 'EUR',
  order_id: 'o',
  description: null,
  decline_code: status === 'declined' ? 'card_declined' : null,
  amount_refunded_cents: 0,
  idempotency_key: 'o',
  created_at: '2026-12-03T00:00:00Z',
});

test('an attempt: a 201 captures or declines; a 4xx is refused for good; a timeout, 5xx or lost connection is worth another try', () => {
  assert.deepEqual(chargeAttempt(charge('captured')), { kind: 'captured', chargeId: 'ch_1' });
  assert.deepEqual(chargeAttempt(charge('declined')), { kind: 'declined', chargeId: 'ch_1', code: 'card_declined' });
  const refused = failedAttempt({ kind: 'status', status: 422, body: {} });
  assert.equal(refused.kind, 'refused');
  assert.equal(worthRetrying(refused), false);
  for (const f of [{ kind: 'status', status: 503, body: {} }, { kind: 'timeout', timeoutMs: 2000 }, { kind: 'refused', code: 'ECONNREFUSED' }] as const) {
    assert.equal(worthRetrying(failedAttempt(f)), true, f.kind);
  }
});

test('the retry window leaves the last backoff and the lookup inside the deadline, and is never negative', () => {
  const t = { deadlineMs: 15_000, lookupTimeoutMs: 2000, backoffMaxMs: 1000 };
  assert.equal(retryWindowMs(0, 0, t), 12_000);
  assert.equal(retryWindowMs(0, 11_000, t), 1000);
  assert.equal(retryWindowMs(0, 20_000, t), 0, 'a payment resumed after its deadline gets no attempt');
});

test('settling: an answer settles it; otherwise the lookup decides, and silence means cancelled but asked again later', () => {
  const failed = failedAttempt({ kind: 'timeout', timeoutMs: 2000 });
  assert.deepEqual(settle({ kind: 'captured', chargeId: 'ch_1' }, undefined), { outcome: 'captured', chargeId: 'ch_1' });
  assert.deepEqual(settle({ kind: 'declined', chargeId: 'ch_1', code: null }, undefined), { outcome: 'failed', reason: 'payment_declined', chargeId: 'ch_1', checkCharge: false });
  assert.equal(needsLookup(failed), true);
  assert.equal(needsLookup({ kind: 'captured', chargeId: 'x' }), false);
  assert.deepEqual(settle(failed, { kind: 'captured', chargeId: 'ch_2' }), { outcome: 'captured', chargeId: 'ch_2' }, 'captured before the deadline, answered late: kept');
  assert.deepEqual(settle(failed, { kind: 'declined', chargeId: 'ch_2' }), { outcome: 'failed', reason: 'payment_declined', chargeId: 'ch_2', checkCharge: false });
  assert.deepEqual(settle(failed, { kind: 'none' }), { outcome: 'failed', reason: 'payment_unavailable', chargeId: null, checkCharge: true }, 'the unanswered attempt may land after the lookup');
  assert.deepEqual(settle(failedAttempt({ kind: 'status', status: 400, body: {} }), { kind: 'none' }), { outcome: 'failed', reason: 'payment_unavailable', chargeId: null, checkCharge: false }, 'refused: nothing on its way');
  assert.deepEqual(settle(failed, failedLookup({ kind: 'timeout', timeoutMs: 2000 })), { outcome: 'failed', reason: 'payment_unavailable', chargeId: null, checkCharge: true });
  assert.deepEqual(settle(failed, undefined), { outcome: 'failed', reason: 'payment_unavailable', chargeId: null, checkCharge: true });
  assert.deepEqual(failedLookup({ kind: 'status', status: 404, body: {} }), { kind: 'none' });
});

test('reconciling: a capture no order keeps is refunded, a kept one is not, and silence is asked again', () => {
  const captured: Lookup = { kind: 'captured', chargeId: 'ch_9' };
  // Settled at 0, looked at 60 s later, with a 10 s grace for attempts still on their way.
  const at = (p: { status: 'captured' | 'failed'; withdrawn: boolean }, found: Lookup, nowMs = 60_000) => reconcile({ ...p, settledAtMs: 0 }, found, nowMs, 10_000);
  assert.deepEqual(at({ status: 'failed', withdrawn: false }, captured), { kind: 'refund', chargeId: 'ch_9' }, 'a late capture of a cancelled order');
  assert.deepEqual(at({ status: 'failed', withdrawn: false }, captured, 1000), { kind: 'refund', chargeId: 'ch_9' }, 'refunded at once, grace or not');
  assert.deepEqual(at({ status: 'captured', withdrawn: true }, captured), { kind: 'refund', chargeId: 'ch_9' }, 'a paid order the client withdrew');
  assert.deepEqual(at({ status: 'captured', withdrawn: false }, captured), { kind: 'done' });
  assert.deepEqual(at({ status: 'failed', withdrawn: false }, { kind: 'none' }), { kind: 'done' });
  assert.equal(at({ status: 'failed', withdrawn: false }, { kind: 'none' }, 9999).kind, 'ask_again', 'no charge yet, but an abandoned attempt may still land');
  assert.deepEqual(at({ status: 'failed', withdrawn: false }, { kind: 'declined', chargeId: 'ch_9' }), { kind: 'done' });
  assert.equal(at({ status: 'failed', withdrawn: false }, { kind: 'unknown', error: 'HTTP 503' }).kind, 'ask_again');
  assert.equal(keepsCharge({ status: 'captured', withdrawn: false }), true);
  assert.equal(keepsCharge({ status: 'failed', withdrawn: false }), false);
});
