import { test } from 'node:test';
import assert from 'node:assert/strict';
import { error, timeout, value } from './answers.fixture';
import { FAILED_RETRY_MS, LAG_RETRY_MS, MIN_ROUND_MS, nextAttempt } from './retry-policy';
import { decide, type ReplicaAnswer } from './vote';

/** The round the voter would have seen with these answers from the ON replicas. */
const round = (answers: ReplicaAnswer[], asked = 3) => ({ decision: decide(answers, asked), answers, asked });
const PLENTY = 1000;

test('an agreed round is never retried', () => {
  assert.deepEqual(nextAttempt(round([value('1', 7), value('2', 7)]), 1, PLENTY), { retry: false });
});

test('three values at three log positions: lagging, asked again after a short wait', () => {
  const advice = nextAttempt(round([value('1', 7, 10), value('2', 6, 11), value('3', 5, 12)]), 1, PLENTY);
  assert.deepEqual(advice, { retry: true, reason: 'lagging', delayMs: LAG_RETRY_MS });
});

test('two values at two positions and a timeout: lagging (the timed-out one may answer too)', () => {
  const advice = nextAttempt(round([value('1', 7, 10), value('2', 6, 11), timeout('3')]), 1, PLENTY);
  assert.equal(advice.retry && advice.reason, 'lagging');
});

test('the wait after lagging rounds doubles, up to a cap', () => {
  const lagging = round([value('1', 7, 10), value('2', 6, 11), value('3', 5, 12)]);
  const delays = [1, 2, 3, 4, 5, 6].map((attempt) => {
    const a = nextAttempt(lagging, attempt, PLENTY);
    return a.retry ? a.delayMs : null;
  });
  assert.deepEqual(delays, [5, 10, 20, 40, 40, 40]);
});

test('one answer and two failed calls: retried, a stall may have passed', () => {
  const advice = nextAttempt(round([value('1', 7), timeout('2'), error('3')]), 1, PLENTY);
  assert.deepEqual(advice, { retry: true, reason: 'failed', delayMs: FAILED_RETRY_MS });
});

test('different values at the SAME position: no retry can change that', () => {
  assert.deepEqual(nextAttempt(round([value('1', 7), value('2', 6), value('3', 5)]), 1, PLENTY), { retry: false });
  assert.deepEqual(nextAttempt(round([value('1', 7), value('2', 6), timeout('3')]), 1, PLENTY).retry, true, 'unless a call failed');
});

test('fewer ON replicas than the quorum: answered at once, there is nobody else to ask', () => {
  assert.deepEqual(nextAttempt(round([value('1', 7)], 1), 1, PLENTY), { retry: false });
});

test('no retry that would leave the next round less than MIN_ROUND_MS of the deadline', () => {
  const failed = round([value('1', 7), timeout('2'), timeout('3')]);
  assert.equal(nextAttempt(failed, 1, FAILED_RETRY_MS + MIN_ROUND_MS).retry, true);
  assert.equal(nextAttempt(failed, 1, FAILED_RETRY_MS + MIN_ROUND_MS - 1).retry, false);
  assert.equal(nextAttempt(failed, 1, -5).retry, false);
});
