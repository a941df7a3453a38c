import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ReadMetrics } from './read-metrics';
import { evaluateTargets, type TargetResult } from './targets';

const goodReads: ReadMetrics = {
  reads: 1000,
  p50_ms: 2,
  p95_ms: 6,
  p99_ms: 12,
  max_ms: 30,
  availability: 1,
  quorum_rate: 1,
  wrong_answers: 0,
  unjudged_answers: 0,
};
const byId = (results: TargetResult[]) => Object.fromEntries(results.map((r) => [r.id, r]));

describe('evaluateTargets', () => {
  test('a clean fault run meets every bar, seed and ours', () => {
    const results = evaluateTargets({ reads: goodReads, detection: { ttd: { min: 200, median: 300, p95: 380, max: 400 }, trials: 5, undetected: 0 } });
    assert.deepEqual(results.map((r) => r.id), ['ttd_median', 'read_p95', 'availability', 'quorum_rate', 'ttd_max', 'wrong_answers', 'read_p99']);
    assert.ok(results.every((r) => r.met), JSON.stringify(results.filter((r) => !r.met)));
  });

  test('the baseline has no detection targets', () => {
    const ids = evaluateTargets({ reads: goodReads }).map((r) => r.id);
    assert.ok(!ids.includes('ttd_median') && !ids.includes('ttd_max'));
  });

  test('each bar misses on its own measurement', () => {
    const results = byId(
      evaluateTargets({
        reads: { ...goodReads, p95_ms: 1000, p99_ms: 25.5, availability: 0.99, quorum_rate: 0.95, wrong_answers: 1 },
        detection: { ttd: { min: 100, median: 900, p95: 1100, max: 1200 }, trials: 5, undetected: 0 },
      }),
    );
    assert.equal(results.ttd_median!.met, true);
    assert.equal(results.ttd_max!.met, false);
    // The bars are strict: exactly at the bar is a miss (p99 is the one "≤" bar).
    assert.equal(results.read_p95!.met, false);
    assert.equal(results.availability!.met, false);
    assert.equal(results.quorum_rate!.met, false);
    assert.equal(results.wrong_answers!.met, false);
    assert.equal(results.read_p99!.met, false);
    assert.equal(byId(evaluateTargets({ reads: { ...goodReads, p99_ms: 25 } })).read_p99!.met, true);
  });

  test('an undetected trial fails the detection targets even when the detected ones were fast', () => {
    const results = byId(evaluateTargets({ reads: goodReads, detection: { ttd: { min: 100, median: 100, p95: 100, max: 100 }, trials: 5, undetected: 1 } }));
    assert.equal(results.ttd_median!.met, false);
    assert.equal(results.ttd_max!.met, false);
    assert.match(results.ttd_max!.note ?? '', /1 of 5 trials without a TTD/);
  });

  test('nothing measured is a miss', () => {
    const results = byId(evaluateTargets({ reads: { ...goodReads, reads: 0, availability: null, p95_ms: null }, detection: { ttd: null, trials: 1, undetected: 1 } }));
    assert.equal(results.availability!.met, false);
    assert.equal(results.availability!.note, 'nothing measured');
    assert.equal(results.read_p95!.met, false);
    assert.equal(results.ttd_median!.measured, null);
  });
});
