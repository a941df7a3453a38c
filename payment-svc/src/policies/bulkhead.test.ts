import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TaskCancelledError } from 'cockatiel';
import { callsWaiting, createGatewayBulkhead } from './bulkhead';

test('at most the limit on the wire; the rest wait in order and are counted', async () => {
  const limit = createGatewayBulkhead(2);
  let active = 0;
  let peak = 0;
  const started: number[] = [];
  const releases: (() => void)[] = [];
  const call = (n: number) =>
    limit.execute(async () => {
      started.push(n);
      peak = Math.max(peak, ++active);
      await new Promise<void>((r) => releases.push(r));
      active--;
      return n;
    });
  const calls = [1, 2, 3, 4, 5].map(call);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, [1, 2]);
  assert.equal(callsWaiting(limit), 3);
  while (releases.length > 0 || started.length < 5) {
    releases.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  assert.deepEqual(await Promise.all(calls), [1, 2, 3, 4, 5]);
  assert.deepEqual(started, [1, 2, 3, 4, 5], 'in arrival order');
  assert.equal(peak, 2);
  assert.equal(callsWaiting(limit), 0);
});

test('a call whose retry window closed while it waited leaves the queue without calling the gateway', async () => {
  const limit = createGatewayBulkhead(1);
  let release!: () => void;
  const first = limit.execute(() => new Promise<void>((r) => (release = r)));
  const window = new AbortController();
  let called = false;
  const waiting = limit.execute(async () => {
    called = true;
  }, window.signal);
  window.abort();
  release();
  await first;
  await assert.rejects(waiting, TaskCancelledError);
  assert.equal(called, false);
});
