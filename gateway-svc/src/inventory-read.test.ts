import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inventoryUnavailableBody, staleInventoryRead } from '@ftlab/shared';
import { answerWithoutMajority } from './inventory-read';

const value = { product_id: 'PROD-001', available_quantity: 990, reserved_quantity: 10, position: { partition: 3, offset: 41 } };

test('a young remembered answer is served flagged stale, with its age and log position', () => {
  const answer = answerWithoutMajority('PROD-001', 'voter breaker open', { kind: 'usable', value, ageMs: 2499.6 }, 60_000, 1);
  assert.equal(answer.kind, 'stale');
  if (answer.kind !== 'stale') return;
  assert.equal(answer.ageS, 2);
  assert.deepEqual(staleInventoryRead.parse(answer.body), { ...value, stale: true, age_ms: 2500, reason: 'voter breaker open' });
});

test('too old: a 503 that says in words that inventory is unavailable, when to retry, and how old the last answer is', () => {
  const answer = answerWithoutMajority('PROD-001', 'voter answered 503', { kind: 'too_old', ageMs: 61_000 }, 60_000, 2);
  assert.equal(answer.kind, 'unavailable');
  if (answer.kind !== 'unavailable') return;
  assert.equal(answer.retryAfterS, 2);
  const body = inventoryUnavailableBody.parse(answer.body);
  assert.match(body.error, /^inventory is unavailable/);
  assert.match(body.error, /retry in 2 s/);
  assert.match(body.error, /61 s old/);
  assert.equal(body.last_known_age_ms, 61_000);
  assert.equal('stale' in answer.body, false);
});

test('never seen: a 503 without a last known age', () => {
  const answer = answerWithoutMajority('PROD-002', 'voter unreachable', { kind: 'none' }, 60_000, 1);
  assert.equal(answer.kind, 'unavailable');
  if (answer.kind === 'unavailable') assert.equal(answer.body.last_known_age_ms, null);
});
