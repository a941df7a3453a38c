import { setTimeout as sleep } from 'node:timers/promises';
import { injectSimulatorFault } from '../lib/fault-api';
import { atLeast, equals, timing, type Expectation } from './expectation';
import { figure } from './figures';
import { acceptedOrders, dbNow, waitDecided } from './measure';
import { freshProduct, readMail, readOrders, waitMailSent } from './saga-measure';
import { decisionLatency, mailDelivery, withinShareOf } from './saga-figures';
import { SWITCH } from './payment';
import type { Scenario } from './scenario';

/**
 * Seeds 001 and 004's lost email: the mail server goes away (the mail sink closes its SMTP port)
 * for 30 s while 20 orders/s flow. Orders do not wait for mail, so they are decided as fast as
 * with mail up (the same run's first phase); once mail is back, every outcome's email arrives,
 * exactly once (its Message-ID is the order's and status's).
 */

const UP_MS = 12_000;
const DOWN_MS = 30_000;
const AFTER_MS = 6000;
/** The first seconds of load on a fresh product: not the steady state the mail-down phase is compared with. */
const WARMUP_MS = 2000;
const ORDERS_PER_S = 20;
/** Within 10 % of the mail-up phase, plus this for a 2-core host shared with other work (the phases are seconds apart, not simultaneous). */
const SHARE = 0.1;
const NOISE_MARGIN_MS = 50;

export const lostEmail: Scenario = {
  name: 'lost-email',
  source: 'seeds 001 and 004: the lost email (issue 14)',
  summary: `the mail server refuses connections for ${DOWN_MS / 1000} s under ${ORDERS_PER_S} orders/s; orders are decided as fast, and every email arrives once after`,
  async run(ctx) {
    const { endpoints, adminToken } = ctx.target;
    if (!endpoints.mailSink) throw new Error('no address for the mail sink');
    const productId = await freshProduct(ctx, 'MAIL', 5000);
    const startDbMs = (await dbNow(ctx.pool)).getTime();
    let downDbMs = 0;
    let upAgainDbMs = 0;
    let recoveredMs = 0;
    await ctx.load({ ordersPerS: ORDERS_PER_S, readsPerS: 5, seconds: (UP_MS + DOWN_MS + AFTER_MS) / 1000, products: [productId] }, async () => {
      await sleep(UP_MS);
      ctx.fault('inject', 'down', 'mail-sink');
      await injectSimulatorFault(endpoints, adminToken, 'mail-sink', { type: 'down' }, SWITCH);
      downDbMs = (await dbNow(ctx.pool)).getTime();
      try {
        await sleep(DOWN_MS);
      } finally {
        upAgainDbMs = (await dbNow(ctx.pool)).getTime();
        // Nothing can be received before the port opens: every email from here on came after recovery.
        recoveredMs = Date.now();
        await injectSimulatorFault(endpoints, adminToken, 'mail-sink', { type: 'clear' }, SWITCH);
        ctx.fault('clear', 'down', 'mail-sink');
      }
    });
    const accepted = acceptedOrders(ctx.recorder.operations());
    const decided = await waitDecided(ctx.pool, accepted, 60_000);
    const orders = await readOrders(ctx.pool, accepted);
    const outcomes = orders.flatMap((o) => (o.decidedAtMs === null ? [] : [{ orderId: o.orderId, decidedAtMs: o.decidedAtMs }]));
    const sent = await waitMailSent(
      ctx.pool,
      outcomes.map((o) => o.orderId),
      90_000,
    );
    const delivery = mailDelivery(outcomes, await readMail(endpoints.mailSink), recoveredMs);
    const up = decisionLatency(orders, { fromMs: startDbMs + WARMUP_MS, toMs: downDbMs });
    const down = decisionLatency(orders, { fromMs: downDbMs, toMs: upAgainDbMs });
    const p50 = withinShareOf(down.p50Ms, up.p50Ms, SHARE, NOISE_MARGIN_MS);
    ctx.figures([
      figure('outcomes', 'order outcomes', delivery.outcomes),
      figure('emails_after_recovery', 'emails delivered after the mail server came back', delivery.afterRecovery),
      figure('longest_email_delay_ms', 'longest final status → email received', delivery.longestDelayMs, 'ms'),
      figure('decision_p50_mail_down_ms', 'decision p50, mail down', down.p50Ms, 'ms'),
      figure('decision_p50_mail_up_ms', 'decision p50, mail up', up.p50Ms, 'ms'),
      figure('decision_p99_mail_down_ms', 'decision p99, mail down', down.p99Ms, 'ms'),
      figure('decision_p99_mail_up_ms', 'decision p99, mail up', up.p99Ms, 'ms'),
    ]);
    const ms = (v: number | null) => (v === null ? '—' : `${v.toFixed(0)} ms`);
    const rows: Expectation[] = [
      atLeast('orders accepted (202)', accepted.length, 1),
      equals('accepted orders decided', decided.decided, accepted.length),
      timing({
        what: `decision p50 with mail down (${down.orders} orders) within ${SHARE * 100} % of mail up (${up.orders}), + ${NOISE_MARGIN_MS} ms for a shared 2-core host`,
        expected: p50.bound === null ? 'both measured' : `≤ ${ms(p50.bound)} (mail up ${ms(up.p50Ms)})`,
        observed: ms(down.p50Ms),
        met: p50.met,
      }),
      { what: 'decision p99, mail down / mail up', expected: 'reported', observed: `${ms(down.p99Ms)} / ${ms(up.p99Ms)}`, met: true },
      equals('every outcome email sent by notification-svc', sent, true),
      equals('outcomes with exactly one email at the sink', delivery.exactlyOnce, delivery.outcomes),
      equals('outcomes with more than one email', delivery.duplicated, 0),
      atLeast(`emails delivered after the mail server came back (of ${delivery.outcomes} outcomes)`, delivery.afterRecovery, 1),
      { what: 'longest final status → email received', expected: 'reported', observed: ms(delivery.longestDelayMs), met: true },
    ];
    return rows;
  },
};
