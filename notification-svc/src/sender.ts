import type { Transporter } from 'nodemailer';
import { mailSink, counter, gauge, type Logger, type Registry } from '@ftlab/shared';
import { createRoundRetry } from './policies/retry';
import type { NotificationStore } from './store';

const ROUND = 100;

/**
 * Sends the unsent emails, oldest first, one round after another while there are any; a round
 * that fails (mail down) is tried again by the retry policy. Woken when new outcomes are
 * recorded; nothing else ever waits for it, so mail being down slows no order.
 */
export function startSender(opts: { store: NotificationStore; transport: Transporter; from: string; retry: { initialDelayMs: number; maxDelayMs: number }; logger: Logger; registry: Registry }) {
  const { store, transport, logger } = opts;
  const sent = counter(opts.registry, 'notifications_sent_total', 'Outcome emails the mail server accepted');
  const failures = counter(opts.registry, 'notification_send_failures_total', 'Outcome emails the mail server did not take (tried again)');
  const waiting = gauge(opts.registry, 'notifications_pending', 'Outcome emails not yet sent');
  const policy = createRoundRetry(opts.retry);
  policy.onRetry(({ delay }) => logger.debug({ delay }, 'mail round failed; trying again'));
  let again = false;
  let running: Promise<void> | undefined;
  let stopped = false;

  async function round(): Promise<number> {
    const batch = await opts.store.unsent(ROUND);
    for (const m of batch) {
      if (stopped) return 0;
      try {
        await transport.sendMail({ messageId: m.message_id, from: opts.from, to: m.recipient, subject: m.subject, text: m.body, headers: { [mailSink.ORDER_ID_HEADER]: m.order_id } });
      } catch (err) {
        failures.inc();
        await store.failed(m, (err as Error).message).catch(() => undefined);
        throw err;
      }
      await store.sent(m);
      sent.inc();
    }
    return batch.length;
  }

  async function drain(): Promise<void> {
    do {
      again = false;
      let n = ROUND;
      while (n === ROUND && !stopped) n = await policy.execute(() => round());
    } while (again && !stopped);
    waiting.set(await store.pending());
  }

  const wake = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = drain()
      .catch((err: Error) => logger.warn({ err: err.message }, 'sending stopped; resuming on the next outcome'))
      .finally(() => {
        running = undefined;
        if (again) wake();
      });
  };
  wake();
  return {
    wake,
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}
