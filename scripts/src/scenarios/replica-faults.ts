import type { FaultRequest, ReplicaId } from '@ftlab/shared';
import { injectFault } from '../lib/fault-api';
import { pollUntil } from '../lib/poll';
import { waitAllOn } from '../lib/replicas-on';
import { atMost, equals } from './expectation';
import { backOn, dbNow, readExpectations, ttdOf } from './measure';
import type { Scenario } from './scenario';

/**
 * The four replica faults of seed 003, each on the seed's replica under 50 reads/s: detected in
 * under a second, and no client ever sees the faulty replica's answer (2-of-3 vote).
 */
function replicaFault(name: string, instance: ReplicaId, fault: Exclude<FaultRequest, { type: 'clear' }>, summary: string): Scenario {
  return {
    name,
    source: 'seed 003: the four replica faults',
    summary,
    async run(ctx) {
      const { endpoints, adminToken } = ctx.target;
      await waitAllOn(endpoints, { timeoutMs: 60_000, settleMs: 1000 });
      const since = await dbNow(ctx.pool);
      const report = await ctx.load({ ordersPerS: 5, readsPerS: 50, seconds: 12 }, async () => {
        await new Promise((r) => setTimeout(r, 2000));
        ctx.fault('inject', fault.type, instance);
        await injectFault(endpoints, adminToken, instance, fault);
        const ttd = await pollUntil(() => ttdOf(ctx.pool, instance, fault.type, since), { timeoutMs: 8000, intervalMs: 100, what: `replica ${instance} OFF`, retryErrors: true }).catch(() => undefined);
        // A crash is repaired by the supervisor's restart; the others are cleared once detected.
        if (fault.type !== 'crash' && ttd !== undefined) {
          await injectFault(endpoints, adminToken, instance, { type: 'clear' });
          ctx.fault('clear', fault.type, instance);
        }
      });
      const ttd = await ttdOf(ctx.pool, instance, fault.type, since);
      const on = await backOn(endpoints, instance);
      if (fault.type === 'crash') ctx.fault('clear', fault.type, instance);
      return [atMost('time to detect (TTD)', ttd, 1000, 'ms'), equals('ON again after repair', on, true), ...readExpectations(report)];
    },
  };
}

export const replicaFaults: Scenario[] = [
  replicaFault('crash', '1', { type: 'crash' }, 'replica 1 crashes (kill -9); the supervisor restarts it'),
  replicaFault('latency', '2', { type: 'latency', latency_ms: 1200 }, 'replica 2 answers 1200 ms late'),
  replicaFault('intermittent', '3', { type: 'intermittent', probability: 0.5 }, 'replica 3 fails half of its requests with 500'),
  replicaFault('incorrect', '1', { type: 'incorrect', product_id: 'PROD-001' }, 'replica 1 misreports PROD-001'),
];
