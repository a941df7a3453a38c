import { injectProcessFault, listProcesses } from '../lib/control-client';
import { pollUntil } from '../lib/poll';
import { waitAllOn } from '../lib/replicas-on';
import { atLeast, equals } from './expectation';
import { acceptedOrders, backOn, dbNow, decisionLatency, readShare, readShareBetween, replicasIdentical, serverErrors, waitDecided } from './measure';
import type { DemoContext, Scenario } from './scenario';

/** Faults below the services: a broker that dies, a duplicate replica. */

async function everyProcessRunning(ctx: DemoContext, timeoutMs: number): Promise<boolean> {
  const { endpoints, adminToken } = ctx.target;
  return pollUntil(async () => (await listProcesses(endpoints, adminToken)).every((p) => p.state === 'running'), {
    timeoutMs,
    intervalMs: 500,
    what: 'every process running',
    retryErrors: true,
  }).then(
    () => true,
    () => false,
  );
}

function brokerCrash(downForS: number): Scenario {
  return {
    name: `broker-crash-${downForS}s`,
    source: 'issue 12: nobody restarts the broker',
    summary: `broker-1 killed (kill -9) and held down ${downForS} s under 50 orders/s + 50 reads/s; the launcher restarts it`,
    async run(ctx) {
      const { endpoints, adminToken } = ctx.target;
      const brokers = (await listProcesses(endpoints, adminToken)).filter((p) => p.name.startsWith('broker-'));
      if (brokers.length === 0) throw new Error('no broker is supervised by this system\'s launcher (KAFKA_BROKERS points elsewhere): run with --system own');
      const from = await dbNow(ctx.pool);
      let killedAt = 0;
      const report = await ctx.faultUnderLoad(
        { ordersPerS: 50, readsPerS: 50, seconds: downForS + 10 },
        {
          kind: 'crash',
          target: 'broker-1',
          inject: async () => {
            killedAt = Date.now();
            await injectProcessFault(endpoints, adminToken, 'broker-1', { type: 'crash', down_for_ms: downForS * 1000 });
          },
          holdMs: downForS * 1000,
        },
      );
      // While the broker is held down: from the kill until the launcher starts it again.
      const outage = readShareBetween(report, killedAt, killedAt + downForS * 1000);
      // The same reads before the kill: what this host answers without the fault, to read the row above against.
      const before = readShareBetween(report, Date.parse(report.started_at), killedAt);
      const restarted = await everyProcessRunning(ctx, 120_000);
      const accepted = acceptedOrders(ctx.recorder.operations());
      const decided = await waitDecided(ctx.pool, accepted, 180_000);
      const latency = await decisionLatency(ctx.pool, from, await dbNow(ctx.pool));
      const allOn = await waitAllOn(endpoints, { timeoutMs: 60_000 }).then(() => true, () => false);
      return [
        equals('broker restarted by the launcher', restarted, true),
        atLeast('orders accepted (202)', accepted.length, 1),
        equals('accepted orders decided', decided.decided, accepted.length),
        equals('responses 500', serverErrors(report.totals).internal, 0),
        atLeast(`reads answered 200 while the broker was down (${outage.reads} reads)`, outage.percent, 95, '%'),
        { what: `reads answered 200 before the kill (${before.reads} reads)`, expected: 'reported', observed: `${before.percent?.toFixed(1) ?? 'none'} %`, met: true },
        // How late this process sent its requests: seconds here mean the client, not the system, was starved.
        { what: 'the load generator\'s own lateness, p99 / max', expected: 'reported', observed: `${report.dispatch_lag_ms.p99_ms?.toFixed(0)} / ${report.dispatch_lag_ms.max_ms?.toFixed(0)} ms`, met: true },
        { what: 'reads answered 200 over the whole run', expected: 'reported', observed: `${readShare(report)?.toFixed(1) ?? 'none'} %`, met: true },
        equals('every replica ON afterwards', allOn, true),
        { what: 'decision p99 of orders placed meanwhile', expected: 'reported', observed: latency.p99_ms === null ? 'none' : `${latency.p99_ms.toFixed(0)} ms`, met: true },
      ];
    },
  };
}

export const brokerCrashes: Scenario[] = [brokerCrash(10), brokerCrash(90)];

export const duplicateReplica: Scenario = {
  name: 'duplicate-replica',
  source: 'issue 12: two copies of one replica',
  summary: 'a second copy of replica 1 runs beside it for 10 s under 50 orders/s (a rolling deploy, a restarted frozen process)',
  async run(ctx) {
    const { endpoints, adminToken } = ctx.target;
    await waitAllOn(endpoints, { timeoutMs: 60_000 });
    await ctx.faultUnderLoad(
      { ordersPerS: 50, readsPerS: 10, seconds: 15 },
      { kind: 'duplicate', target: 'inventory-1', inject: () => injectProcessFault(endpoints, adminToken, 'inventory-1', { type: 'duplicate', duration_ms: 10_000 }), holdMs: 10_000 },
    );
    const accepted = acceptedOrders(ctx.recorder.operations());
    const decided = await waitDecided(ctx.pool, accepted, 60_000);
    const on = await backOn(endpoints, '1');
    const same = await replicasIdentical(ctx.pool);
    return [
      equals('accepted orders decided', decided.decided, accepted.length),
      equals('replica 1 identical to the others', same.identical, true),
      equals('replica 1 ON at the end', on, true),
    ];
  },
};
