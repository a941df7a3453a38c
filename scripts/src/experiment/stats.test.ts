import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { quantileSorted, ratio, summarize } from './stats';

describe('quantileSorted', () => {
  test('interpolates between closest ranks', () => {
    assert.equal(quantileSorted([10, 20, 30, 40, 50], 0.5), 30);
    assert.equal(quantileSorted([10, 20, 30, 40], 0.5), 25);
    // (5-1)*0.95 = 3.8: 80 % of the way from 40 to 50.
    assert.equal(quantileSorted([10, 20, 30, 40, 50], 0.95), 48);
    assert.equal(quantileSorted([7], 0.99), 7);
  });

  test('refuses an empty sample and an out-of-range quantile', () => {
    assert.throws(() => quantileSorted([], 0.5), /empty/);
    assert.throws(() => quantileSorted([1], 1.5), /out of range/);
  });
});

describe('summarize', () => {
  test('min, median, p95 and max of unsorted values, ignoring missing ones', () => {
    assert.deepEqual(summarize([300, null, 100, 200, undefined, 500, 400]), { min: 100, median: 300, p95: 480, max: 500 });
  });

  test('one trial: every statistic is that trial', () => {
    assert.deepEqual(summarize([412]), { min: 412, median: 412, p95: 412, max: 412 });
  });

  test('null when no trial produced a number', () => {
    assert.equal(summarize([null, null]), null);
    assert.equal(summarize([]), null);
    assert.equal(summarize([Number.NaN]), null);
  });
});

test('ratio is null, not 1 or 0, for an empty denominator', () => {
  assert.equal(ratio(0, 0), null);
  assert.equal(ratio(99, 100), 0.99);
});
