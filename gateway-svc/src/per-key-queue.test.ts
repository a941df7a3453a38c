import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerKeyQueue } from './per-key-queue';

/** A task that finishes when told to, recording when it started. */
function gate(log: string[], name: string) {
  let open!: () => void;
  let fail!: (err: Error) => void;
  const done = new Promise<string>((resolve, reject) => {
    open = () => resolve(name);
    fail = reject;
  });
  return { task: () => (log.push(name), done), open, fail };
}

const tick = () => new Promise((r) => setImmediate(r));

test('tasks of one key run one at a time in arrival order; other keys do not wait', async () => {
  const q = new PerKeyQueue();
  const log: string[] = [];
  const [a1, a2, a3, b1] = [gate(log, 'a1'), gate(log, 'a2'), gate(log, 'a3'), gate(log, 'b1')];
  const results = [q.run('a', a1.task), q.run('a', a2.task), q.run('a', a3.task), q.run('b', b1.task)];
  assert.equal(q.pending('a'), 3);
  assert.equal(q.pending('b'), 1);
  await tick();
  assert.deepEqual(log, ['a1', 'b1'], 'a2 waits for a1; b1 does not wait for a');
  b1.open();
  a1.open();
  await tick();
  assert.deepEqual(log, ['a1', 'b1', 'a2']);
  a2.open();
  await tick();
  a3.open();
  assert.deepEqual(await Promise.all(results), ['a1', 'a2', 'a3', 'b1']);
  await tick();
  assert.equal(q.pending('a'), 0);
});

test('a failed task passes its error to its caller only, and the next one still runs', async () => {
  const q = new PerKeyQueue();
  const log: string[] = [];
  const [first, second] = [gate(log, 'first'), gate(log, 'second')];
  const failed = q.run('k', first.task);
  const next = q.run('k', second.task);
  first.fail(new Error('store down'));
  await assert.rejects(failed, /store down/);
  await tick();
  second.open();
  assert.equal(await next, 'second');
});

test('a key is forgotten once its last task is done', async () => {
  const q = new PerKeyQueue();
  const log: string[] = [];
  const g = gate(log, 'only');
  const running = q.run('k', g.task);
  assert.equal(q.size, 1);
  g.open();
  await running;
  await tick();
  assert.equal(q.size, 0);
});

test('with a concurrency of 3, three tasks of one key run together and the fourth waits for one of them', async () => {
  const q = new PerKeyQueue(3);
  const log: string[] = [];
  const gates = ['k1', 'k2', 'k3', 'k4'].map((n) => gate(log, n));
  const results = gates.map((g) => q.run('k', g.task));
  await tick();
  assert.deepEqual(log, ['k1', 'k2', 'k3']);
  assert.equal(q.pending('k'), 4);
  gates[1]!.open();
  await tick();
  assert.deepEqual(log, ['k1', 'k2', 'k3', 'k4']);
  for (const g of gates) g.open();
  assert.deepEqual(await Promise.all(results), ['k1', 'k2', 'k3', 'k4']);
  await tick();
  assert.equal(q.size, 0, 'an idle key is forgotten');
});
