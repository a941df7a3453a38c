import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import { simpleParser } from 'mailparser';
import { mailSink } from '@ftlab/shared';

export interface Envelope {
  from: string;
  to: string[];
}

/**
 * One received message as the sink lists it. Recipients come from the SMTP envelope (who it was
 * delivered to, Bcc included), the order id from the X-Order-Id header. A message without a
 * Message-ID gets one of its own, so it is kept, but can never count as a redelivery.
 */
export async function parseMessage(source: Readable | string, envelope: Envelope, receivedAt: Date): Promise<mailSink.SinkMessage> {
  const parsed = await simpleParser(source, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
  const orderId = parsed.headers.get(mailSink.ORDER_ID_HEADER);
  return {
    message_id: parsed.messageId ?? `<${crypto.randomUUID()}@mail-sink.invalid>`,
    from: envelope.from,
    to: envelope.to.map((address) => address.toLowerCase()),
    subject: parsed.subject ?? '',
    order_id: typeof orderId === 'string' && orderId.trim() !== '' ? orderId.trim() : null,
    text: parsed.text ?? '',
    received_at: receivedAt.toISOString(),
  };
}
