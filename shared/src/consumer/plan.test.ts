import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { planGroup, type FetchedMessage } from './plan';

const schema = z.object({ n: z.number().int() });
const contract = { topic: 'order-events', consumer: 'inventory-1', schema };
const msg = (offset: number, value: string | null = JSON.stringify({ n: offset })): FetchedMessage => ({
  offset: String(offset),
  value: value === null ? null : Buffer.from(value),
});

test('everything at or past the stored position is applied, and the offset moves past the last message', () => {
  const plan = planGroup(new Map([[0, 5]]), [{ partition: 0, messages: [msg(5), msg(6), msg(7)] }], contract);
  assert.deepEqual(plan.moves, [{ partition: 0, from: 5, next: 8 }]);
  assert.deepEqual(
    plan.records,
    [5, 6, 7].map((n) => ({ event: { n }, partition: 0, offset: n })),
  );
  assert.deepEqual(plan.deadLetters, []);
  assert.equal(plan.skipped, 0);
});

test('messages behind the stored position are skipped: fetched again, or applied by another incarnation', () => {
  const plan = planGroup(new Map([[2, 10]]), [{ partition: 2, messages: [msg(8), msg(9), msg(10)] }], contract);
  assert.equal(plan.skipped, 2);
  assert.deepEqual(plan.moves, [{ partition: 2, from: 10, next: 11 }]);
  assert.deepEqual(plan.records.map((r) => r.offset), [10]);
});

test('a batch entirely behind its position moves nothing; a partition without a stored position starts at 0', () => {
  const plan = planGroup(
    new Map([[0, 4]]),
    [
      { partition: 0, messages: [msg(2), msg(3)] },
      { partition: 1, messages: [msg(0), msg(1)] },
    ],
    contract,
  );
  assert.equal(plan.skipped, 2);
  assert.deepEqual(plan.moves, [{ partition: 1, from: 0, next: 2 }]);
});

test('nothing to apply anywhere: an empty plan, so no transaction is opened', () => {
  const plan = planGroup(new Map([[0, 9]]), [{ partition: 0, messages: [msg(7), msg(8)] }], contract);
  assert.deepEqual({ moves: plan.moves, records: plan.records, deadLetters: plan.deadLetters }, { moves: [], records: [], deadLetters: [] });
});

test('a batch that starts past the stored position (positions rewound to rebuild) applies nothing and asks for a seek back', () => {
  const plan = planGroup(
    new Map([
      [0, 0],
      [1, 3],
    ]),
    [
      { partition: 0, messages: [msg(40), msg(41)] },
      { partition: 1, messages: [msg(3)] },
    ],
    contract,
  );
  assert.deepEqual(plan.gaps, [{ partition: 0, position: 0 }]);
  assert.deepEqual(plan.moves, [{ partition: 1, from: 3, next: 4 }]);
  assert.deepEqual(plan.records.map((r) => [r.partition, r.offset]), [[1, 3]]);
});

test('a message that does not parse becomes a dead letter with its reason, and still moves the offset past it', () => {
  const plan = planGroup(
    new Map(),
    [{ partition: 3, messages: [msg(0), msg(1, '{nope'), msg(2, '{"n":"two"}'), msg(3, null), msg(4)] }],
    contract,
  );
  assert.deepEqual(plan.moves, [{ partition: 3, from: 0, next: 5 }]);
  assert.deepEqual(plan.records.map((r) => r.offset), [0, 4]);
  assert.deepEqual(
    plan.deadLetters.map((d) => [d.offset, d.reason, d.raw, d.source_topic, d.consumer, d.partition]),
    [
      ['1', 'value is not JSON', '{nope', 'order-events', 'inventory-1', 3],
      ['2', 'n: Expected number, received string', '{"n":"two"}', 'order-events', 'inventory-1', 3],
      ['3', 'empty message value', null, 'order-events', 'inventory-1', 3],
    ],
  );
});

test('several partitions of one fetch go into one plan, each with its own move, records in fetch order', () => {
  const plan = planGroup(
    new Map([
      [0, 1],
      [1, 0],
    ]),
    [
      { partition: 1, messages: [msg(0)] },
      { partition: 0, messages: [msg(1), msg(2)] },
    ],
    contract,
  );
  assert.deepEqual(plan.moves, [
    { partition: 1, from: 0, next: 1 },
    { partition: 0, from: 1, next: 3 },
  ]);
  assert.deepEqual(plan.records.map((r) => [r.partition, r.offset]), [
    [1, 0],
    [0, 1],
    [0, 2],
  ]);
});
