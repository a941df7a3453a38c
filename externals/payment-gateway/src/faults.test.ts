import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callEffect } from './faults';

const draws = (...values: number[]) => {
  let i = 0;
  return () => values[i++] ?? assert.fail('more random draws than expected');
};

test('without a fault every call is answered after the base latency', () => {
  assert.deepEqual(callEffect(null, 3, draws()), { refuse: false, failAfterWork: false, delayMs: 3, decline: false });
});

test('down refuses every call at once', () => {
  assert.deepEqual(callEffect({ type: 'down' }, 3, draws()), { refuse: true, failAfterWork: false, delayMs: 0, decline: false });
});

test('latency does the work and answers late', () => {
  const effect = callEffect({ type: 'latency', latency_ms: 20_000 }, 3, draws());
  assert.deepEqual(effect, { refuse: false, failAfterWork: false, delayMs: 20_003, decline: false });
});

test('decline declines and answers normally', () => {
  assert.deepEqual(callEffect({ type: 'decline' }, 3, draws()), { refuse: false, failAfterWork: false, delayMs: 3, decline: true });
});

test('intermittent fails a call when the draw is below the probability: before or after the work', () => {
  const fault = { type: 'intermittent', probability: 0.3 } as const;
  assert.equal(callEffect(fault, 3, draws(0.3)).refuse, false, 'a draw equal to p passes');
  assert.deepEqual(callEffect(fault, 3, draws(0.29, 0.1)), { refuse: true, failAfterWork: false, delayMs: 0, decline: false });
  assert.deepEqual(callEffect(fault, 3, draws(0.29, 0.7)), { refuse: false, failAfterWork: true, delayMs: 3, decline: false });
});

test('intermittent with probability 0 never fails, with 1 always fails', () => {
  for (const r of [0, 0.5, 0.999]) {
    const none = callEffect({ type: 'intermittent', probability: 0 }, 0, draws(r));
    assert.equal(none.refuse || none.failAfterWork, false);
    const all = callEffect({ type: 'intermittent', probability: 1 }, 0, draws(r, r));
    assert.equal(all.refuse || all.failAfterWork, true);
  }
});
