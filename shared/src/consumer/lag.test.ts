import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LagTracker, refreshLag } from './lag';

test('the lag is unknown until the broker has answered', () => {
  const lag = new LagTracker();
  lag.observe(0, 10);
  assert.equal(lag.lag(new Map()), null);
  lag.refreshed([{ partition: 1, high: 4 }]);
  assert.equal(lag.lag(new Map()), 14);
});

test('the lag sums, over partitions, how far the positions are behind the log ends, never below zero', () => {
  const lag = new LagTracker();
  lag.refreshed([
    { partition: 0, high: 10 },
    { partition: 1, high: 5 },
    { partition: 2, high: 0 },
  ]);
  assert.equal(
    lag.lag(
      new Map([
        [0, 7],
        [1, 6],
      ]),
    ),
    3,
  );
});

test('an end only grows: a stale answer from the broker does not lower what a fetch showed', () => {
  const lag = new LagTracker();
  lag.observe(0, 20);
  lag.refreshed([{ partition: 0, high: 15 }]);
  assert.equal(lag.lag(new Map([[0, 15]])), 5);
});

test('when the broker stops answering the lag is unknown again, until it answers', async () => {
  const lag = new LagTracker();
  let answer: () => Promise<{ partition: number; high: number }[]> = async () => [{ partition: 0, high: 3 }];
  const refresher = await refreshLag(lag, () => answer(), 5);
  try {
    assert.equal(lag.lag(new Map()), 3);
    answer = async () => {
      throw new Error('broker away');
    };
    for (let i = 0; i < 200 && lag.lag(new Map()) !== null; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(lag.lag(new Map()), null);
  } finally {
    refresher.stop();
  }
});
