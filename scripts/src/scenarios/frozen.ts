import type { ReplicaId } from '@ftlab/shared';
import { injectProcessFault } from '../lib/control-client';
import { pollUntil } from '../lib/poll';
import { waitAllOn } from '../lib/replicas-on';
import { atLeast, atMost, equals } from './expectation';
import { acceptedOrders, backOn, dbNow, readExpectations, readShare, serverErrors, ttdOf, waitDecided } from './measure';
import type { DemoContext, Scenario, TimedFault } from './scenario';

const FROZEN_MS = 5000;

/** SIGSTOP of one process for FROZEN_MS, then SIGCONT (the launcher ends the pause by itself). */
const frozenFor = (ctx: DemoContext, process: string): TimedFault => ({
  kind: 'pause',
  target: process,
  inject: () => injectProcessFault(ctx.target.endpoints, ctx.target.adminToken, process, { type: 'pause', duration_ms: FROZEN_MS }),
  holdMs: FROZEN_MS,
});

/** A replica frozen by the host (SIGSTOP: GC, swap, a debugger): OFF fast, ON after it resumes, and no read answered wrongly. */
export const frozenReplica: Scenario = {
  name: 'frozen-replica',
  source: 'issue 13: a replica frozen with SIGSTOP for 5 s',
  summary: 'replica 2 frozen (SIGSTOP) for 5 s, then resumed (SIGCONT), under 50 reads/s + 5 orders/s',
  async run(ctx) {
    const { endpoints } = ctx.target;
    const instance: ReplicaId = '2';
    await waitAllOn(endpoints, { timeoutMs: 60_000, settleMs: 1000 });
    const since = await dbNow(ctx.pool);
    const report = await ctx.faultUnderLoad({ ordersPerS: 5, readsPerS: 50, seconds: 15 }, frozenFor(ctx, `inventory-${instance}`));
    const ttd = await pollUntil(() => ttdOf(ctx.pool, instance, 'pause', since), { timeoutMs: 10_000, intervalMs: 200, what: 'the frozen replica in the audit', retryErrors: true }).catch(() => undefined);
    const on = await backOn(endpoints, instance);
    const accepted = acceptedOrders(ctx.recorder.operations());
    const decided = await waitDecided(ctx.pool, accepted, 30_000);
    return [
      atMost('time to detect (TTD)', ttd, 400, 'ms'),
      equals('ON again after SIGCONT', on, true),
      ...readExpectations(report),
      equals('responses 500', serverErrors(report.totals).internal, 0),
      equals('accepted orders decided', decided.decided, accepted.length),
    ];
  },
};

/** orders-svc frozen: clients wait (or retry), and every order it accepted is still decided. */
export const frozenOrders: Scenario = {
  name: 'frozen-orders',
  source: 'issue 12: a frozen orders-svc for 5 s',
  summary: 'orders-svc frozen (SIGSTOP) for 5 s, then resumed, under 20 orders/s + 20 reads/s',
  async run(ctx) {
    const report = await ctx.faultUnderLoad({ ordersPerS: 20, readsPerS: 20, seconds: 15 }, frozenFor(ctx, 'orders-svc'));
    const accepted = acceptedOrders(ctx.recorder.operations());
    const decided = await waitDecided(ctx.pool, accepted, 60_000);
    return [
      atLeast('orders accepted (202)', accepted.length, 1),
      equals('accepted orders decided', decided.decided, accepted.length),
      equals('accepted orders lost', decided.missing, 0),
      equals('responses 500', serverErrors(report.totals).internal, 0),
      atLeast('reads answered 200 (the voter needs no orders-svc)', readShare(report), 99, '%'),
    ];
  },
};
