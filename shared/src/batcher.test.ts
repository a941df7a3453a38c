import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Batcher } from './batcher';

/** A `run` whose calls the test finishes by hand, recording what each call was given. */
function controlledRun() {
  const calls: { items: number[]; finish: () => void; fail: (e: Error) => void }[] = [];
  const run = (items: number[]) =>
    new Promise<number[]>((resolve, reject) => {
      calls.push({ items, finish: () => resolve(items.map((n) => n * 10)), fail: reject });
    });
  return { calls, run };
}

const turn = () => new Promise((r) => setImmediate(r));

test('items submitted in one turn of the event loop go in one call, each getting its own result', async () => {
  const { calls, run } = controlledRun();
  const batcher = new Batcher(run);
  const answers = [1, 2, 3].map((n) => batcher.submit(n));
  await turn();
  assert.deepEqual(calls.map((c) => c.items), [[1, 2, 3]]);
  calls[0]!.finish();
  assert.deepEqual(await Promise.all(answers), [10, 20, 30]);
});

test('while a call is in flight, new items wait and all go together in the next call', async () => {
  const { calls, run } = controlledRun();
  const batcher = new Batcher(run);
  const first = batcher.submit(1);
  await turn();
  const later = [2, 3, 4].map((n) => batcher.submit(n));
  await turn();
  assert.equal(calls.length, 1, 'no second call while the first is in flight');
  assert.equal(batcher.queued, 3);
  calls[0]!.finish();
  assert.equal(await first, 10);
  await turn();
  assert.deepEqual(calls.map((c) => c.items), [[1], [2, 3, 4]]);
  calls[1]!.finish();
  assert.deepEqual(await Promise.all(later), [20, 30, 40]);
});

test('a failed call rejects exactly the items of that batch; the next batch still runs', async () => {
  const { calls, run } = controlledRun();
  const batcher = new Batcher(run);
  const doomed = [batcher.submit(1), batcher.submit(2)];
  await turn();
  const next = batcher.submit(3);
  calls[0]!.fail(new Error('connection lost'));
  for (const d of doomed) await assert.rejects(d, /connection lost/);
  await turn();
  calls[1]!.finish();
  assert.equal(await next, 30);
});

test('no call takes more than maxItems; the rest follow in order', async () => {
  const { calls, run } = controlledRun();
  const batcher = new Batcher(run, 2);
  const answers = [1, 2, 3, 4, 5].map((n) => batcher.submit(n));
  await turn();
  calls[0]!.finish();
  await turn();
  calls[1]!.finish();
  await turn();
  calls[2]!.finish();
  assert.deepEqual(await Promise.all(answers), [10, 20, 30, 40, 50]);
  assert.deepEqual(calls.map((c) => c.items), [[1, 2], [3, 4], [5]]);
});

test('a run that returns the wrong number of results fails its batch instead of misanswering', async () => {
  const batcher = new Batcher<number, number>(async () => [1]);
  await assert.rejects(Promise.all([batcher.submit(1), batcher.submit(2)]), /batch of 2 produced 1 results/);
});
