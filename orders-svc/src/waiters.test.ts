import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecisionWaiters } from './waiters';

test('a decision wakes every request waiting for that order, and only those', async () => {
  const waiters = new DecisionWaiters();
  const a1 = waiters.wait('a', 10_000);
  const a2 = waiters.wait('a', 10_000);
  const b = waiters.wait('b', 50);
  assert.equal(waiters.size, 3);
  waiters.decided('a');
  assert.deepEqual(await Promise.all([a1.decided, a2.decided, b.decided]), [true, true, false]);
  assert.equal(waiters.size, 0);
});

test('a cancelled wait ends at once, undecided, and leaves nothing behind', async () => {
  const waiters = new DecisionWaiters();
  const w = waiters.wait('a', 10_000);
  w.cancel();
  assert.equal(await w.decided, false);
  assert.equal(waiters.size, 0);
  waiters.decided('a');
});
