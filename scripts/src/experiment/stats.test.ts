import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { summarize } from './stats';

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
