import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LatencyHistogram, medianOf, percentilesOf, summarizeLatencies } from './latency';

describe('percentiles: nearest rank, as HdrHistogram defines them', () => {
  test('a few numbers are exact: the p-th percentile is a recorded value', () => {
    assert.deepEqual(percentilesOf([300, null, 100, 200, undefined, 500, 400], [50, 95, 100]), { 50: 300, 95: 500, 100: 500 });
    // Even count: the lower middle, a value that was measured, not the mean of two.
    assert.equal(medianOf([4, 1, 3, 2]), 2);
    assert.equal(medianOf([412]), 412);
    // Rates keep their digits.
    assert.equal(medianOf([0.9987, 0.9991, 0.9979]), 0.9987);
    assert.equal(medianOf([0, 0, 1]), 0);
  });

  test('nothing to rank: null', () => {
    assert.equal(medianOf([]), null);
    assert.equal(medianOf([null, Number.NaN, undefined]), null);
    assert.equal(percentilesOf([], [50]), null);
  });

  test('latency streams: within 0.1 %, never above the largest latency recorded', () => {
    const histogram = new LatencyHistogram();
    for (let ms = 1; ms <= 1000; ms += 1) histogram.record(ms);
    const p99 = histogram.percentile(99)!;
    assert.ok(Math.abs(p99 - 990) <= 990 * 0.001, `p99 ${p99}`);
    // 3000 µs lies in a bucket 2 µs wide whose upper end (3.001 ms) was never seen.
    const { mean_ms: _mean, ...percentiles } = summarizeLatencies([3]);
    assert.deepEqual(percentiles, { count: 1, p50_ms: 3, p95_ms: 3, p99_ms: 3, p999_ms: 3, max_ms: 3 });
    assert.equal(new LatencyHistogram().percentile(50), null);
  });
});
