import { z } from 'zod';

/**
 * The mail catcher's API (externals/mail-sink): what it received over SMTP, one copy per
 * Message-ID, and its fault switch. Defined once here for the sink and for the tests and tools
 * that read it.
 */

/** The header a sender puts the order id in, so mail can be matched to orders afterwards. */
export const ORDER_ID_HEADER = 'x-order-id';

export const sinkMessage = z.object({
  message_id: z.string(),
  /** Envelope sender (MAIL FROM). */
  from: z.string(),
  /** Envelope recipients (RCPT TO), lowercased. */
  to: z.array(z.string()),
  subject: z.string(),
  order_id: z.string().nullable(),
  text: z.string(),
  received_at: z.string(),
});
export type SinkMessage = z.infer<typeof sinkMessage>;

export const messagesQuery = z
  .object({
    to: z.string().min(1).max(320).optional(),
    order_id: z.string().min(1).max(128).optional(),
  })
  .strict();
export type MessagesQuery = z.infer<typeof messagesQuery>;

export const messagesResponse = z.object({ count: z.number().int(), messages: z.array(sinkMessage) });
export type MessagesResponse = z.infer<typeof messagesResponse>;

/** down: the SMTP port is closed (connections refused) until clear opens it again. */
export const mailSinkFaultRequest = z.discriminatedUnion('type', [
  z.object({ type: z.literal('down') }).strict(),
  z.object({ type: z.literal('clear') }).strict(),
]);
export type MailSinkFaultRequest = z.infer<typeof mailSinkFaultRequest>;
export type MailSinkFault = Exclude<MailSinkFaultRequest, { type: 'clear' }>;

export const mailSinkFaultState = z.object({ fault: mailSinkFaultRequest.nullable(), smtp_listening: z.boolean() });
export type MailSinkFaultState = { fault: MailSinkFault | null; smtp_listening: boolean };
