import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mailSink } from '@ftlab/shared';
import { admin, getJson, postJson, startTestSystem, waitFor, type TestSystem } from './fixture';

/**
 * notification-svc on the real stack: each final outcome mailed once over SMTP to the mail sink
 * (a real process), none lost while mail is down, none twice when a send is repeated.
 */

let t: TestSystem;

before(async () => {
  t = await startTestSystem('notifications', {
    services: ['orders-svc', 'inventory-1', 'inventory-2', 'inventory-3', 'payment-svc', 'payment-gateway', 'notification-svc', 'mail-sink'],
    env: { NOTIFY_RETRY_MAX_MS: '500' },
  });
});
after(async () => {
  await t?.stop();
});

const sink = () => t.url['mail-sink'];
const mailsOf = async (orderId: string): Promise<mailSink.SinkMessage[]> =>
  mailSink.messagesResponse.parse((await getJson(`${sink()}/messages?order_id=${orderId}`)).body).messages;

async function placeFinal(productId: string, quantity: number): Promise<{ order_id: string; status: string }> {
  const placed = await postJson(`${t.url['orders-svc']}/orders`, { product_id: productId, quantity });
  assert.equal(placed.status, 202);
  for (;;) {
    const { body } = await getJson(`${t.url['orders-svc']}/orders/${placed.body.order_id}?wait=5000`);
    if (['CONFIRMED', 'REJECTED', 'CANCELLED'].includes(body.status)) return body;
  }
}

test('every final outcome, CONFIRMED and REJECTED alike, is one email with its order id and outcome', async () => {
  const orders = [await placeFinal('PROD-001', 1), await placeFinal('PROD-002', 1000)];
  assert.deepEqual(orders.map((o) => o.status), ['CONFIRMED', 'REJECTED']);
  for (const o of orders) {
    await waitFor(async () => (await mailsOf(o.order_id)).length === 1, 15_000, `the email of ${o.order_id}`);
    const [mail] = await mailsOf(o.order_id);
    assert.equal(mail!.subject, `Order ${o.order_id}: ${o.status}`);
    assert.equal(mail!.message_id, `<${o.order_id}.${o.status.toLowerCase()}@ftlab.example>`);
  }
});

test('mail down: orders are decided all the same; after clear every email is delivered once, and a repeated send is still one', async () => {
  assert.equal((await postJson(`${sink()}/admin/faults`, { type: 'down' }, admin)).status, 200);
  let orders: { order_id: string; status: string }[] = [];
  try {
    orders = await Promise.all(Array.from({ length: 10 }, () => placeFinal('PROD-003', 1)));
    assert.ok(orders.every((o) => o.status === 'CONFIRMED'), 'decided while mail is down');
    for (const o of orders) assert.equal((await mailsOf(o.order_id)).length, 0, 'nothing delivered while down');
    const pending = (await getJson(`${t.url['notification-svc']}/notifications/stats`)).body.pending;
    assert.ok(pending >= 10, `the emails wait: ${pending}`);
  } finally {
    assert.equal((await postJson(`${sink()}/admin/faults`, { type: 'clear' }, admin)).status, 200);
  }
  await waitFor(async () => (await Promise.all(orders.map((o) => mailsOf(o.order_id)))).every((m) => m.length === 1), 30_000, 'every email delivered after clear');

  // A crash between the send and its record: the same emails are sent again, with their Message-IDs.
  const again = orders.slice(0, 3).map((o) => o.order_id);
  await t.db.query('UPDATE notifications SET sent_at = NULL WHERE order_id = ANY($1::uuid[])', [again]);
  await placeFinal('PROD-003', 1); // a new outcome wakes the sender
  await waitFor(async () => (await t.db.query('SELECT count(*)::int AS n FROM notifications WHERE sent_at IS NULL')).rows[0].n === 0, 30_000, 'the repeated sends are done');
  for (const o of orders) assert.equal((await mailsOf(o.order_id)).length, 1, `one copy of ${o.order_id}'s email`);
  const received = await (await fetch(`${sink()}/metrics`)).text();
  assert.match(received, /^mail_sink_messages_total\{[^}]*outcome="duplicate"[^}]*\} [3-9]/m, 'the sink did receive the repeats, and kept one copy each');
});
