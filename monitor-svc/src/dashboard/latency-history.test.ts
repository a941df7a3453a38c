import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistory } from './latency-history';

const sample = (t: number, p50: number | null = 1) => ({ t, p50, p95: p50, p99: p50 });

test('keeps exactly the window, oldest first, gaps included', () => {
  const h = new LatencyHistory(10_000);
  for (let t = 0; t <= 15_000; t += 1000) h.add(sample(t, t === 12_000 ? null : t));
  const kept = h.list();
  assert.deepEqual(kept.map((s) => s.t), [5000, 6000, 7000, 8000, 9000, 10_000, 11_000, 12_000, 13_000, 14_000, 15_000]);
  assert.equal(kept.find((s) => s.t === 12_000)!.p50, null, 'a gap stays a gap, not 0');
});

test('list() is a copy: callers cannot change the history', () => {
  const h = new LatencyHistory(10_000);
  h.add(sample(1));
  h.list().pop();
  assert.equal(h.list().length, 1);
});

test('a clock step backwards starts the chart over', () => {
  const h = new LatencyHistory(10_000);
  h.add(sample(50_000));
  h.add(sample(51_000));
  h.add(sample(20_000));
  assert.deepEqual(h.list().map((s) => s.t), [20_000]);
});
