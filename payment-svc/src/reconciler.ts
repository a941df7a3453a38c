import { counter, gauge, type Logger, type Registry } from '@ftlab/shared';
import type { GatewayClient } from './gateway-client';
import { reconcile } from './saga';
import type { PaymentStore } from './store';

const BATCH = 100;

/**
 * Every interval, asks the gateway about each settled payment marked check_charge (its charge's
 * outcome was never learned, or the client withdrew the order) and does what saga.ts's reconcile
 * says: refund a capture no order keeps, or stop asking once the gateway has answered. Runs until
 * the gateway answers, however long it is away: no capture is left behind a CANCELLED order.
 */
export function startReconciler(opts: { client: GatewayClient; store: PaymentStore; intervalMs: number; inFlightGraceMs: number; logger: Logger; registry: Registry }) {
  const { client, store, logger } = opts;
  const refunds = counter(opts.registry, 'payment_refunds_total', 'Captures refunded because no order keeps them (found after giving up, or withdrawn)');
  const pending = gauge(opts.registry, 'payment_checks_pending', 'Settled payments whose charge the gateway is still to be asked about');
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;

  async function round(): Promise<void> {
    const due = await store.toCheck(BATCH);
    pending.set(due.length);
    await Promise.all(
      due.map(async (p) => {
        const found = await client.lookup(p.order_id);
        const step = reconcile({ status: p.status, withdrawn: p.withdrawn, settledAtMs: p.updated_at.getTime() }, found, Date.now(), opts.inFlightGraceMs);
        if (step.kind === 'ask_again') return;
        if (step.kind === 'done') return store.checked(p.order_id, null);
        const refunded = await client.refund(p.order_id, step.chargeId);
        if (!refunded.ok) return void logger.warn({ order_id: p.order_id, err: refunded.error }, 'refund failed; trying again');
        refunds.inc();
        logger.info({ order_id: p.order_id, charge_id: step.chargeId, refund_id: refunded.refundId }, 'capture refunded: no order keeps it');
        await store.checked(p.order_id, refunded.refundId);
      }),
    );
  }

  const loop = () => {
    if (stopped) return;
    current = round()
      .catch((err: Error) => logger.warn({ err: err.message }, 'reconciliation round failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, opts.intervalMs);
      });
  };
  loop();
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
