import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dueBy, dueOffsetMs, isOrderSlot, ordersBefore, paceOpenLoop, scheduledCount } from './schedule';

describe('open-loop schedule', () => {
  test('request i is due at i/rps whatever came before', () => {
    assert.equal(dueOffsetMs(0, 200), 0);
    assert.equal(dueOffsetMs(1, 200), 5);
    assert.equal(dueOffsetMs(200, 200), 1000);
    assert.equal(dueOffsetMs(3, 3), 1000);
  });

  test('counts and due counts agree at exact boundaries', () => {
    assert.equal(scheduledCount(200, 20), 4000);
    assert.equal(scheduledCount(0.5, 3), 1);
    assert.equal(scheduledCount(1 / 3, 3), 1, 'float rounding must not lose the last request');
    assert.equal(dueBy(-1, 200, 4000), 0);
    assert.equal(dueBy(0, 200, 4000), 1, 'request 0 is due at once');
    assert.equal(dueBy(4.999, 200, 4000), 1);
    assert.equal(dueBy(5, 200, 4000), 2);
    assert.equal(dueBy(999_999, 200, 4000), 4000, 'never more than scheduled');
    for (const rps of [3, 7, 300, 1500]) {
      for (let i = 0; i < 50; i++) assert.equal(dueBy(dueOffsetMs(i, rps), rps, 1e9), i + 1, `rps ${rps} i ${i}`);
    }
  });

  test('pacing dispatches every request at or after its due time, in order, without waiting for answers', async () => {
    const dispatched: { i: number; dueMs: number; at: number }[] = [];
    const startMs = Date.now();
    const count = await paceOpenLoop({
      rps: 500,
      total: 100,
      startMs,
      now: Date.now,
      dispatch: (i, dueMs) => dispatched.push({ i, dueMs, at: Date.now() }),
    });
    assert.equal(count, 100);
    assert.deepEqual(
      dispatched.map((d) => d.i),
      Array.from({ length: 100 }, (_, i) => i),
    );
    for (const d of dispatched) {
      assert.equal(d.dueMs, startMs + d.i * 2);
      assert.ok(d.at >= Math.floor(d.dueMs), `request ${d.i} sent before it was due`);
    }
  });

  test('pacing stops when aborted', async () => {
    const controller = new AbortController();
    let sent = 0;
    const count = await paceOpenLoop({
      rps: 100,
      total: 1000,
      startMs: Date.now(),
      now: Date.now,
      signal: controller.signal,
      dispatch: () => {
        sent += 1;
        if (sent === 3) controller.abort();
      },
    });
    assert.equal(count, 3);
  });
});

describe('mixed workload slots', () => {
  test('one in six is an order, spread evenly', () => {
    const orders = Array.from({ length: 60 }, (_, i) => i).filter((i) => isOrderSlot(i, 1 / 6));
    assert.deepEqual(orders, [5, 11, 17, 23, 29, 35, 41, 47, 53, 59]);
    assert.equal(ordersBefore(6, 1 / 6), 1);
    assert.equal(ordersBefore(60, 1 / 6), 10);
  });

  test('share 0 and 1 are all reads and all orders', () => {
    for (let i = 0; i < 100; i++) {
      assert.equal(isOrderSlot(i, 0), false);
      assert.equal(isOrderSlot(i, 1), true);
    }
  });

  test('the share holds for awkward fractions', () => {
    const n = 10_000;
    for (const share of [0.1, 0.25, 1 / 3, 0.7]) {
      const orders = Array.from({ length: n }, (_, i) => i).filter((i) => isOrderSlot(i, share)).length;
      assert.ok(Math.abs(orders - n * share) <= 1, `share ${share}: ${orders}`);
    }
  });
});
