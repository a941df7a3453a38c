import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Sample } from '../load/sample';
import { summarizeClientOutcomes, type FollowResult } from './client-outcome';

const order = (i: number, at: number, latencyMs: number | null, orderId?: string): Sample => ({
  i,
  kind: 'order',
  productId: 'P',
  at,
  latencyMs,
  status: orderId ? 202 : 0,
  outcome: orderId ? 'ok' : 'timeout',
  ok: orderId !== undefined,
  quorum: null,
  wrong: null,
  ...(orderId ? { orderId } : {}),
});

test('outcome latency runs from the scheduled send to the answer that carried the decision', () => {
  const orders = [order(0, 1000, 20, 'a'), order(1, 1010, 30, 'b'), order(2, 1020, null)];
  const follows: FollowResult[] = [
    { orderId: 'a', decided: true, status: 'CONFIRMED', endMs: 1100, polls: 1 },
    { orderId: 'b', decided: true, status: 'REJECTED', endMs: 1310, polls: 3 },
  ];
  const timings = [
    { orderId: 'a', status: 'CONFIRMED', createdMs: 1010, decidedMs: 1090 },
    { orderId: 'b', status: 'REJECTED', createdMs: 1030, decidedMs: 1300 },
  ];
  const s = summarizeClientOutcomes(orders, follows, timings);
  assert.equal(s.accepted, 2);
  assert.equal(s.not_accepted, 1);
  assert.equal(s.decided, 2);
  assert.equal(s.unresolved, 0);
  assert.deepEqual(s.by_status, { CONFIRMED: 1, REJECTED: 1 });
  assert.equal(s.extra_polls, 2);
  assert.equal(s.accept_latency_ms.max_ms, 30);
  assert.equal(s.outcome_latency_ms.count, 2);
  assert.equal(s.outcome_latency_ms.max_ms, 300);
  assert.ok(Math.abs(s.outcome_latency_ms.p50_ms! - 100) < 0.1);
  // a: 10 to the insert, 80 to the decision, 10 to the client; b: 20, 270, 10.
  assert.equal(s.segments_ms.to_insert.max_ms, 20);
  assert.equal(s.segments_ms.insert_to_decision.max_ms, 270);
  assert.equal(s.segments_ms.decision_to_client.max_ms, 10);
  assert.equal(s.segments_ms.decision_to_client.count, 2);
});

test('an accepted order the client never saw decided is unresolved, not a fast outcome', () => {
  const orders = [order(0, 1000, 20, 'a'), order(1, 1010, 25, 'b')];
  const s = summarizeClientOutcomes(orders, [
    { orderId: 'a', decided: false, polls: 4, error: 'no answer within 15000 ms' },
    { orderId: 'b', decided: true, status: 'CONFIRMED', endMs: 1060, polls: 1 },
  ], []);
  assert.equal(s.decided, 1);
  assert.equal(s.unresolved, 1);
  assert.equal(s.outcome_latency_ms.count, 1);
  assert.equal(s.outcome_latency_ms.max_ms, 50);
  assert.equal(s.segments_ms.to_insert.count, 0, 'no timing read back: no segments, rather than wrong ones');
});

test('a follow of an order that is not among the samples is ignored', () => {
  const s = summarizeClientOutcomes([], [{ orderId: 'x', decided: true, status: 'CONFIRMED', endMs: 5, polls: 1 }], []);
  assert.equal(s.decided, 0);
  assert.equal(s.outcome_latency_ms.count, 0);
});
