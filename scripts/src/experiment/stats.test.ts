import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ratio, summarize } from './stats';

describe('summarize', () => {
  test('min, median, p95 and max of unsorted values, ignoring missing ones', () => {
    // Nearest rank (lib/latency.ts): with five trials the p95 is the worst one.
    assert.deepEqual(summarize([300, null, 100, 200, undefined, 500, 400]), { min: 100, median: 300, p95: 500, max: 500 });
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
