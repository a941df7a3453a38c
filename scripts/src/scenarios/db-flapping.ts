import { startDbFlapping, listProcesses } from '../lib/control-client';
import { pollUntil } from '../lib/poll';
import { atLeast, equals } from './expectation';
import { acceptedOrders, dbNow, decisionLatency, serverErrors, waitDecided } from './measure';
import type { Scenario } from './scenario';

const FLAP_MS = 15_000;

export const dbFlapping: Scenario = {
  name: 'db-flapping',
  source: 'seed 004: database flapping (issue 12)',
  summary: 'PostgreSQL terminates the services\' connections at random (probability 0.5 each 500 ms) for 15 s under 50 orders/s + 50 reads/s',
  async run(ctx) {
    const { endpoints, adminToken } = ctx.target;
    const restarts = async () => (await listProcesses(endpoints, adminToken)).reduce((sum, p) => sum + p.restarts, 0);
    const before = await restarts();
    const from = await dbNow(ctx.pool);
    const report = await ctx.load({ ordersPerS: 50, readsPerS: 50, seconds: 20 }, async () => {
      await new Promise((r) => setTimeout(r, 2000));
      ctx.fault('inject', 'db-flapping', 'postgres');
      await startDbFlapping(endpoints, adminToken, { probability: 0.5, duration_ms: FLAP_MS });
      await new Promise((r) => setTimeout(r, FLAP_MS));
      ctx.fault('clear', 'db-flapping', 'postgres');
    });
    const to = await dbNow(ctx.pool);
    const accepted = acceptedOrders(ctx.recorder.operations());
    const decided = await waitDecided(ctx.pool, accepted, 60_000);
    const latency = await decisionLatency(ctx.pool, from, to);
    const crashes = (await restarts()) - before;
    const errors = serverErrors(report.totals);
    await pollUntil(async () => (await listProcesses(endpoints, adminToken)).every((p) => p.state === 'running'), { timeoutMs: 30_000, intervalMs: 500, what: 'every process running' });
    return [
      equals('process crashes', crashes, 0),
      equals('responses 500', errors.internal, 0),
      atLeast('orders accepted (202)', accepted.length, 1),
      equals('accepted orders decided', decided.decided, accepted.length),
      equals('accepted orders lost', decided.missing, 0),
      { what: '503 with Retry-After (allowed)', expected: 'any', observed: String(errors.unavailable), met: true },
      { what: 'decision p99 during the fault', expected: 'reported', observed: latency.p99_ms === null ? 'none' : `${latency.p99_ms.toFixed(0)} ms`, met: true },
    ];
  },
};
