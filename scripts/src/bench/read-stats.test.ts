import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TallySummary } from '../load';
import { medianReadStats } from './read-stats';

const run = (p99: number | null, success: number, wrong: number, judged: number): TallySummary => ({
  scheduled: 100,
  sent: 100,
  dropped: 0,
  answered: 100,
  ok: 100,
  success_rate: success,
  throughput: { scheduled_rps: 10, ok_rps: 10 },
  status_codes: { '200': 100 },
  latency_ms: { count: 100, mean_ms: 1, p50_ms: 1, p95_ms: 2, p99_ms: p99, p999_ms: p99, max_ms: p99 },
  reads: { reads: 100, answered_200: 100, quorum_rate: 1, judged, wrong, unjudged: 0 },
});

test('medians over the runs, so one slow run does not decide; wrong answers are summed', () => {
  const stats = medianReadStats([run(3, 1, 0, 50), run(900, 0.5, 1, 50), run(4, 1, 0, 50)]);
  assert.equal(stats.p99_ms, 4);
  assert.equal(stats.success_rate, 1);
  assert.equal(stats.wrong, 1);
  assert.equal(stats.judged, 150);
  assert.deepEqual(stats.p99_per_run_ms, [3, 900, 4]);
});

test('runs without reads or latency give nulls and zero counts, not NaN', () => {
  const { reads: _reads, ...none } = run(null, 0, 0, 0);
  const stats = medianReadStats([none]);
  assert.equal(stats.p99_ms, null);
  assert.equal(stats.quorum_rate, null);
  assert.equal(stats.wrong, 0);
  assert.equal(stats.judged, 0);
});
