import type { LogRecord, OrderFinalized, Pool, PoolClient } from '@ftlab/shared';
import { outcomeMail, type OutcomeMail } from './message';

export const SOURCE = 'notification-svc';

/**
 * notification-svc's table: one row per order outcome, inserted in the consumer's transaction
 * (with its offsets: once however often the event is delivered), marked sent once the mail server
 * has taken the message.
 */
export function createNotificationStore(pool: Pool, mail: { to: string; domain: string }) {
  return {
    /** Returns how many new emails are waiting to be sent. */
    async record(client: PoolClient, records: LogRecord<OrderFinalized>[]): Promise<number> {
      const mails = records.map((r) => outcomeMail(r.event, mail.to, mail.domain));
      const { rowCount } = await client.query({
        name: 'insert-notifications',
        text: `INSERT INTO notifications (order_id, status, message_id, recipient, subject, body)
               SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
               ON CONFLICT DO NOTHING`,
        values: [mails.map((m) => m.order_id), mails.map((m) => m.status), mails.map((m) => m.message_id), mails.map((m) => m.recipient), mails.map((m) => m.subject), mails.map((m) => m.body)],
      });
      return rowCount ?? 0;
    },

    async unsent(limit: number): Promise<OutcomeMail[]> {
      const { rows } = await pool.query<OutcomeMail>(
        'SELECT order_id, status, message_id, recipient, subject, body FROM notifications WHERE sent_at IS NULL ORDER BY created_at LIMIT $1',
        [limit],
      );
      return rows;
    },

    async sent(m: OutcomeMail): Promise<void> {
      await pool.query('UPDATE notifications SET sent_at = clock_timestamp(), attempts = attempts + 1 WHERE order_id = $1 AND status = $2', [m.order_id, m.status]);
    },

    async failed(m: OutcomeMail, error: string): Promise<void> {
      await pool.query('UPDATE notifications SET attempts = attempts + 1, last_error = $3 WHERE order_id = $1 AND status = $2', [m.order_id, m.status, error.slice(0, 500)]);
    },

    async pending(): Promise<number> {
      return (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM notifications WHERE sent_at IS NULL')).rows[0]!.n;
    },
  };
}
export type NotificationStore = ReturnType<typeof createNotificationStore>;
