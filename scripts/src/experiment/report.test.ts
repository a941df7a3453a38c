import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FAULT_PLAN } from './plan';
import { buildBaselineReport, buildFaultReport, countTargets, emptyTrial } from './report';
import { T0, resolvedTrial, steadyReads, timedOutTrial } from './test-fixtures';

const latency = FAULT_PLAN.find((f) => f.type === 'latency')!;

describe('buildFaultReport', () => {
  test('summarizes TTD/TTR over trials and measures reads inside each fault window only', () => {
    // Reads are slow (40 ms) only between 20 s and 22 s: the second trial's window.
    const samples = steadyReads(60, (at) => (at >= T0 + 20_000 && at < T0 + 22_000 ? 40 : 2));
    const report = buildFaultReport(latency, [resolvedTrial(1, 10, 300, 2000), resolvedTrial(2, 20, 500, 2000), resolvedTrial(3, 30, 400, 2000)], samples);
    assert.equal(report.type, 'latency');
    // Nearest rank (lib/latency.ts): of three trials the p95 is the slowest.
    assert.deepEqual(report.ttd_ms, { min: 300, median: 400, p95: 500, max: 500 });
    assert.deepEqual(report.ttr_ms, { min: 2000, median: 2000, p95: 2000, max: 2000 });
    assert.deepEqual(report.trials.map((t) => t.reads?.reads), [40, 40, 40]);
    assert.deepEqual(report.trials.map((t) => t.reads?.p99_ms), [2, 40, 2]);
    assert.equal(report.reads.reads, 120);
    // 40 of 120 pooled reads were slow: p95 and p99 are too, and so is the ours p99 bar.
    assert.equal(report.reads.p95_ms, 40);
    assert.equal(report.targets.find((t) => t.id === 'read_p99')?.met, false);
    assert.equal(report.targets.find((t) => t.id === 'ttd_max')?.met, true);
  });

  test('a timed-out trial keeps its place, has no reads and fails detection', () => {
    const report = buildFaultReport(latency, [resolvedTrial(1, 10, 300, 2000), timedOutTrial(2)], steadyReads(30));
    assert.equal(report.trials.length, 2);
    assert.equal(report.trials[1]!.reads, null);
    assert.deepEqual(report.ttd_ms, { min: 300, median: 300, p95: 300, max: 300 });
    assert.equal(report.targets.find((t) => t.id === 'ttd_median')?.met, false);
  });

  test('no trial detected: ttd_ms and ttr_ms are null', () => {
    const report = buildFaultReport(latency, [timedOutTrial(1)], steadyReads(5));
    assert.equal(report.ttd_ms, null);
    assert.equal(report.ttr_ms, null);
  });
});

test('countTargets adds baseline and fault targets', () => {
  const samples = steadyReads(30);
  const baseline = buildBaselineReport({ start: T0, end: T0 + 5000 }, samples);
  const fault = buildFaultReport(latency, [timedOutTrial(1)], samples);
  const { met, total } = countTargets(baseline, [fault]);
  assert.equal(total, baseline.targets.length + fault.targets.length);
  assert.equal(met, baseline.targets.length + fault.targets.filter((t) => t.met).length);
  assert.ok(met < total);
});

test('emptyTrial is an error with nothing measured, so a trial that throws early still reports', () => {
  const t = emptyTrial(3);
  assert.equal(t.trial, 3);
  assert.equal(t.outcome, 'error');
  assert.equal(t.fault_id, null);
  assert.equal(t.ttd_ms, null);
  assert.equal(t.window, null);
});
