import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { mailSink } from '@ftlab/shared';
import { MessageStore } from './message-store';

const message = (id: string, over: Partial<mailSink.SinkMessage> = {}): mailSink.SinkMessage => ({
  message_id: `<${id}@test>`,
  from: 'shop@example.com',
  to: ['ana@example.com'],
  subject: 'Your order',
  order_id: null,
  text: '',
  received_at: '2026-12-03T10:00:00.000Z',
  ...over,
});

test('a second message with the same Message-ID is a duplicate and is not kept twice', () => {
  const store = new MessageStore(10);
  assert.deepEqual(store.add(message('a')), { duplicate: false, evicted: 0 });
  assert.deepEqual(store.add(message('a', { subject: 'resent' })), { duplicate: true, evicted: 0 });
  assert.equal(store.size, 1);
  assert.equal(store.list({})[0]!.subject, 'Your order', 'the first copy is the one kept');
});

test('filters by recipient (any of them, case-insensitive) and by order id', () => {
  const store = new MessageStore(10);
  store.add(message('a', { to: ['ana@example.com', 'bo@example.com'], order_id: 'o-1' }));
  store.add(message('b', { to: ['bo@example.com'], order_id: 'o-2' }));
  store.add(message('c', { to: ['cy@example.com'] }));
  assert.deepEqual(store.list({ to: 'BO@example.com' }).map((m) => m.message_id), ['<a@test>', '<b@test>']);
  assert.deepEqual(store.list({ order_id: 'o-2' }).map((m) => m.message_id), ['<b@test>']);
  assert.deepEqual(store.list({ to: 'bo@example.com', order_id: 'o-1' }).map((m) => m.message_id), ['<a@test>']);
  assert.deepEqual(store.list({}).length, 3);
});

test('past capacity the oldest message is forgotten', () => {
  const store = new MessageStore(2);
  store.add(message('a'));
  store.add(message('b'));
  assert.deepEqual(store.add(message('c')), { duplicate: false, evicted: 1 });
  assert.deepEqual(store.list({}).map((m) => m.message_id), ['<b@test>', '<c@test>']);
});

test('clear empties the store and says how many it held', () => {
  const store = new MessageStore(10);
  store.add(message('a'));
  store.add(message('b'));
  assert.equal(store.clear(), 2);
  assert.equal(store.size, 0);
  assert.equal(store.add(message('a')).duplicate, false, 'after clear a Message-ID is new again');
});
