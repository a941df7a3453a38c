import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orderId } from './events';
import { uuidv7 } from './ids';

test('a v7 id carries its millisecond timestamp up front, then the version and variant bits', () => {
  const id = uuidv7(0x0190_1234_5678, Buffer.alloc(10, 0xff));
  assert.equal(id, '01901234-5678-7fff-bfff-ffffffffffff');
});

test('ids made later sort later, as text and as PostgreSQL compares uuids', () => {
  const ids = [1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000].map((t) => uuidv7(t));
  assert.deepEqual([...ids].sort(), ids);
});

test('ids from the same millisecond differ and pass the order id contract', () => {
  const a = uuidv7(1_700_000_000_000);
  const b = uuidv7(1_700_000_000_000);
  assert.notEqual(a, b);
  assert.ok(orderId.safeParse(a).success, a);
});
