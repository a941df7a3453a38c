import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LagTracker, LOG_UNREACHABLE_AFTER_MS, refreshLag } from './lag';

test('the lag is unknown until the broker has answered', () => {
  const lag = new LagTracker();
  lag.observe(0, 10);
  assert.deepEqual(lag.progress(new Map(), 0), { lag: null, unreachableForMs: null });
  lag.refreshed([{ partition: 1, high: 4 }], 0);
  assert.deepEqual(lag.progress(new Map(), 0), { lag: 14, unreachableForMs: null });
});

test('the lag sums, over partitions, how far the positions are behind the log ends, never below zero', () => {
  const lag = new LagTracker();
  lag.refreshed(
    [
      { partition: 0, high: 10 },
      { partition: 1, high: 5 },
      { partition: 2, high: 0 },
    ],
    0,
  );
  const positions = new Map([
    [0, 7],
    [1, 6],
  ]);
  assert.equal(lag.progress(positions, 0).lag, 3);
});

test('an end only grows: a stale answer from the broker does not lower what a fetch showed', () => {
  const lag = new LagTracker();
  lag.observe(0, 20);
  lag.refreshed([{ partition: 0, high: 15 }], 0);
  assert.equal(lag.progress(new Map([[0, 15]]), 0).lag, 5);
});

test('a silent broker leaves the last known lag standing, and after a while the log counts as unreachable, with since how long', () => {
  const lag = new LagTracker();
  lag.refreshed([{ partition: 0, high: 3 }], 1000);
  assert.deepEqual(lag.progress(new Map([[0, 3]]), 1000 + LOG_UNREACHABLE_AFTER_MS), { lag: 0, unreachableForMs: null });
  assert.deepEqual(lag.progress(new Map([[0, 3]]), 1000 + 54_000), { lag: 0, unreachableForMs: 54_000 });
  lag.refreshed([{ partition: 0, high: 4 }], 60_000);
  assert.deepEqual(lag.progress(new Map([[0, 3]]), 60_000), { lag: 1, unreachableForMs: null });
});

test('refreshes that fail do not count as answers', async () => {
  const lag = new LagTracker();
  let answer: () => Promise<{ partition: number; high: number }[]> = async () => [{ partition: 0, high: 3 }];
  const refresher = await refreshLag(lag, () => answer(), 5);
  try {
    answer = async () => {
      throw new Error('broker away');
    };
    await new Promise((r) => setTimeout(r, 100));
    // Had any refresh within the last 100 ms succeeded, this would still be within the threshold.
    const progress = lag.progress(new Map(), Date.now() + LOG_UNREACHABLE_AFTER_MS - 50);
    assert.equal(progress.lag, 3);
    assert.ok(progress.unreachableForMs !== null && progress.unreachableForMs > LOG_UNREACHABLE_AFTER_MS);
  } finally {
    refresher.stop();
  }
});
