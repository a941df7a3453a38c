import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LatencyHistogram, summarizeLatencies } from '../lib/latency';
import type { Sample } from './sample';
import { Tally, summarizeSamples, windowSummaries } from './tally';

const read = (i: number, over: Partial<Sample> = {}): Sample => ({
  i,
  kind: 'read',
  productId: 'PROD-001',
  at: 1000 + i * 10,
  latencyMs: 2,
  status: 200,
  outcome: 'ok',
  ok: true,
  quorum: true,
  wrong: false,
  ...over,
});

describe('latency summary', () => {
  test('percentiles of 1..1000 ms are within HDR precision (0.1 %)', () => {
    const s = summarizeLatencies(Array.from({ length: 1000 }, (_, k) => k + 1));
    assert.equal(s.count, 1000);
    const near = (actual: number | null, expected: number) => assert.ok(actual !== null && Math.abs(actual - expected) <= expected * 0.001 + 0.001, `${actual} vs ${expected}`);
    near(s.p50_ms, 500);
    near(s.p95_ms, 950);
    near(s.p99_ms, 990);
    near(s.p999_ms, 999);
    near(s.max_ms, 1000);
    near(s.mean_ms, 500.5);
  });

  test('sub-millisecond latencies stay distinguishable', () => {
    const h = new LatencyHistogram();
    for (let k = 0; k < 99; k++) h.record(0.25);
    h.record(0.75);
    assert.equal(h.percentile(50), 0.25);
    assert.ok(Math.abs(h.percentile(100)! - 0.75) < 0.001);
  });

  test('empty is nulls, not zeros', () => {
    assert.deepEqual(summarizeLatencies([]), { count: 0, mean_ms: null, p50_ms: null, p95_ms: null, p99_ms: null, p999_ms: null, max_ms: null });
  });
});

describe('tally', () => {
  test('counts outcomes, status codes, quorum over 200s and wrong answers', () => {
    const t = new Tally();
    t.add(read(0));
    t.add(read(1, { wrong: true }));
    t.add(read(2, { quorum: false }));
    t.add(read(3, { status: 503, outcome: 'http_error', ok: false, quorum: null, wrong: null }));
    t.add(read(4, { status: 0, outcome: 'timeout', ok: false, quorum: null, wrong: null, latencyMs: 10_000 }));
    t.add(read(5, { status: 0, outcome: 'dropped', ok: false, quorum: null, wrong: null, latencyMs: null }));
    t.add(read(6, { wrong: null }));
    const s = t.summary(2);
    assert.equal(s.scheduled, 7);
    assert.equal(s.sent, 6);
    assert.equal(s.dropped, 1);
    assert.equal(s.answered, 5);
    assert.equal(s.ok, 4);
    assert.equal(s.success_rate, Math.round((4 / 7) * 1e6) / 1e6);
    assert.deepEqual(s.throughput, { scheduled_rps: 3.5, ok_rps: 2 });
    assert.deepEqual(s.status_codes, { '200': 4, '503': 1, dropped: 1, timeout: 1 });
    assert.equal(s.latency_ms.count, 6, 'dropped requests have no latency');
    assert.ok(s.latency_ms.max_ms! >= 9990, 'a timeout counts with the time it took');
    assert.deepEqual(s.reads, { reads: 7, answered_200: 4, quorum_rate: 0.75, judged: 3, wrong: 1, unjudged: 1 });
  });

  test('orders have no read statistics', () => {
    const s = summarizeSamples([read(0, { kind: 'order', status: 202, quorum: null, wrong: null })]);
    assert.equal(s.reads, undefined);
    assert.equal(s.ok, 1);
  });

  test('windows group by due time and keep empty seconds', () => {
    const samples = [read(0, { at: 0 }), read(1, { at: 999 }), read(2, { at: 2500, latencyMs: 40 })];
    const w = windowSummaries(samples, 0, 3000);
    assert.deepEqual(w.map((x) => [x.start_s, x.scheduled]), [[0, 2], [1, 0], [2, 1]]);
    assert.ok(Math.abs(w[2]!.latency_ms.p99_ms! - 40) <= 0.04, 'within HDR precision');
    assert.equal(summarizeSamples(samples, 500, 2600).scheduled, 2);
  });
});
