import { listProcesses, restartDatabase, startDbFlapping } from '../lib/control-client';
import { pollUntil } from '../lib/poll';
import { atLeast, equals } from './expectation';
import { acceptedOrders, dbNow, decisionLatency, serverErrors, waitDecided } from './measure';
import type { DemoContext, Scenario } from './scenario';

const FLAP_MS = 15_000;

/** The services while the database under them fails: nothing crashes, nothing answers 500, nothing accepted is lost. */
function databaseFault(name: string, source: string, summary: string, inject: (ctx: DemoContext) => Promise<void>): Scenario {
  return { name, source, summary, run: (ctx) => underDatabaseFault(ctx, name, inject) };
}

async function underDatabaseFault(ctx: DemoContext, kind: string, inject: (ctx: DemoContext) => Promise<void>) {
  const { endpoints, adminToken } = ctx.target;
  const restarts = async () => (await listProcesses(endpoints, adminToken)).reduce((sum, p) => sum + p.restarts, 0);
  const before = await restarts();
  const from = await dbNow(ctx.pool);
  const report = await ctx.faultUnderLoad({ ordersPerS: 50, readsPerS: 50, seconds: 20 }, { kind, target: 'postgres', inject: () => inject(ctx), holdMs: 0 });
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
}

export const dbFlapping = databaseFault(
  'db-flapping',
  'seed 004: database flapping (issue 12)',
  "PostgreSQL terminates the services' connections at random (probability 0.5 each 500 ms) for 15 s under 50 orders/s + 50 reads/s",
  async ({ target }) => {
    await startDbFlapping(target.endpoints, target.adminToken, { probability: 0.5, duration_ms: FLAP_MS });
    await new Promise((r) => setTimeout(r, FLAP_MS));
  },
);

export const postgresRestart = databaseFault(
  'postgres-restart',
  'issue 12: a restart of the PostgreSQL server',
  'the PostgreSQL server restarts (pg_ctlcluster restart -m fast) under 50 orders/s + 50 reads/s',
  async ({ target }) => void (await restartDatabase(target.endpoints, target.adminToken)),
);
