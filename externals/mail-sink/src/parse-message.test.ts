import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage } from './parse-message';

const raw = (headers: string[], body = 'Thank you for your order.') => [...headers, 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n');
const envelope = { from: 'shop@example.com', to: ['Ana@Example.com', 'audit@example.com'] };
const at = new Date('2026-12-03T10:00:00Z');

test('takes Message-ID, subject, order id and text from the message, recipients from the envelope', async () => {
  const message = await parseMessage(
    raw(['From: shop@example.com', 'To: ana@example.com', 'Subject: Order confirmed', 'Message-ID: <m1@shop>', 'X-Order-Id:  o-42 ']),
    envelope,
    at,
  );
  assert.deepEqual(message, {
    message_id: '<m1@shop>',
    from: 'shop@example.com',
    to: ['ana@example.com', 'audit@example.com'],
    subject: 'Order confirmed',
    order_id: 'o-42',
    text: 'Thank you for your order.\n',
    received_at: '2026-12-03T10:00:00.000Z',
  });
});

test('a message without X-Order-Id has no order id; without Message-ID it gets a unique one', async () => {
  const one = await parseMessage(raw(['Subject: hi']), envelope, at);
  const two = await parseMessage(raw(['Subject: hi']), envelope, at);
  assert.equal(one.order_id, null);
  assert.match(one.message_id, /^<.+@mail-sink\.invalid>$/);
  assert.notEqual(one.message_id, two.message_id);
});

test('an encoded subject is decoded', async () => {
  const message = await parseMessage(raw(['Subject: =?UTF-8?B?UGVkaWRvIGNvbmZpcm1hZG8g4pyU?=', 'Message-ID: <m2@shop>']), envelope, at);
  assert.equal(message.subject, 'Pedido confirmado ✔');
});
