import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { mailSink as api } from '@ftlab/shared';
import { freePort } from '@ftlab/scripts/dist/lib/ports';
import { startProgram, type StartedProgram } from '@ftlab/scripts/dist/lib/testing';

/**
 * The sink as a real process (its built dist/main.js) on free ports, fed by a real SMTP client
 * (nodemailer, as notification-svc will use) and read over real HTTP.
 */

const TOKEN = 'mail-sink-test-token-0123456789';
let http = '';
let smtpPort = 0;
let sink: StartedProgram | undefined;

before(async () => {
  smtpPort = await freePort();
  const httpPort = await freePort();
  http = `http://127.0.0.1:${httpPort}`;
  sink = await startProgram(
    'mail-sink',
    path.resolve(__dirname, 'main.js'),
    { HOST: '127.0.0.1', MAIL_SINK_SMTP_PORT: String(smtpPort), MAIL_SINK_HTTP_PORT: String(httpPort), ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn' },
    `${http}/health`,
  );
});

after(() => sink?.stop());

function send(mail: { to: string; messageId?: string; orderId?: string; subject?: string }) {
  // A fresh transport per mail: one connection each, as a redelivery after a failure would be.
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, connectionTimeout: 5000 });
  return transport.sendMail({
    from: 'shop@example.com',
    to: mail.to,
    subject: mail.subject ?? 'Your order',
    text: 'Thank you for your order.',
    messageId: mail.messageId,
    headers: mail.orderId ? { 'X-Order-Id': mail.orderId } : {},
  });
}

async function messages(query: Record<string, string> = {}): Promise<api.MessagesResponse> {
  const res = await fetch(`${http}/messages?${new URLSearchParams(query).toString()}`, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200);
  return api.messagesResponse.parse(await res.json());
}

async function admin(method: string, route: string, body?: unknown, token = TOKEN) {
  const res = await fetch(`${http}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

const unique = () => crypto.randomUUID();

test('a sent message is listed with its Message-ID, recipients, subject and order id, and can be filtered', async () => {
  const orderId = `order-${unique()}`;
  const to = `${unique()}@example.com`;
  const info = await send({ to, orderId, subject: 'Order confirmed' });
  assert.match(info.response, /^250/);
  const [listed, ...more] = (await messages({ order_id: orderId })).messages;
  assert.equal(more.length, 0);
  assert.equal(listed!.message_id, info.messageId);
  assert.deepEqual(listed!.to, [to]);
  assert.equal(listed!.subject, 'Order confirmed');
  assert.equal(listed!.order_id, orderId);
  assert.ok(!Number.isNaN(Date.parse(listed!.received_at)));
  assert.equal((await messages({ to: to.toUpperCase() })).count, 1);
  assert.equal((await messages({ to: `${unique()}@example.com` })).count, 0);
});

test('a redelivered message (same Message-ID) is accepted with 250 and kept once', async () => {
  const messageId = `<${unique()}@shop.example.com>`;
  const orderId = `order-${unique()}`;
  const first = await send({ to: 'ana@example.com', messageId, orderId });
  const again = await send({ to: 'ana@example.com', messageId, orderId });
  assert.match(first.response, /^250/);
  assert.match(again.response, /^250/);
  const listed = await messages({ order_id: orderId });
  assert.equal(listed.count, 1);
  assert.equal(listed.messages[0]!.message_id, messageId);
  const metrics = await (await fetch(`${http}/metrics`)).text();
  assert.match(metrics, /mail_sink_messages_total\{outcome="duplicate"[^}]*\} [1-9]/);
});

test('faults and DELETE /messages need the admin token', async () => {
  assert.equal((await admin('GET', '/admin/faults', undefined, '')).status, 401);
  assert.equal((await admin('POST', '/admin/faults', { type: 'down' }, '')).status, 401);
  assert.equal((await admin('POST', '/admin/faults', { type: 'down' }, `${TOKEN}x`)).status, 401);
  assert.equal((await admin('DELETE', '/messages', undefined, '')).status, 401);
  assert.deepEqual((await admin('GET', '/admin/faults')).body, { fault: null, smtp_listening: true });
  assert.equal((await admin('POST', '/admin/faults', { type: 'latency' })).status, 400);
});

test('down closes the SMTP port (ECONNREFUSED); clear opens it and delivery works again', async () => {
  const down = await admin('POST', '/admin/faults', { type: 'down' });
  assert.deepEqual(down.body, { fault: { type: 'down' }, smtp_listening: false });
  try {
    await assert.rejects(send({ to: 'ana@example.com' }), (err: Error & { code?: string }) => {
      assert.match(err.message, /ECONNREFUSED/);
      return true;
    });
    assert.equal((await fetch(`${http}/health`)).status, 200, 'the HTTP side stays up to be told to clear');
  } finally {
    assert.deepEqual((await admin('POST', '/admin/faults', { type: 'clear' })).body, { fault: null, smtp_listening: true });
  }
  const orderId = `order-${unique()}`;
  await send({ to: 'ana@example.com', orderId });
  assert.equal((await messages({ order_id: orderId })).count, 1);
});

test('DELETE /messages empties the sink', async () => {
  await send({ to: 'ana@example.com' });
  const deleted = await admin('DELETE', '/messages');
  assert.equal(deleted.status, 200);
  assert.ok(deleted.body.deleted >= 1);
  assert.equal((await messages()).count, 0);
});
