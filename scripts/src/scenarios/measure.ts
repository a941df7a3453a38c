import { setTimeout as sleep } from 'node:timers/promises';
import { FINAL_ORDER_STATUSES, type Endpoints, type Pool, type ReplicaId } from '@ftlab/shared';
import { readMonitorStatus } from '../lib/fault-api';
import { pollUntil } from '../lib/poll';
import type { LoadReport, TallySummary } from '../load';
import type { Operation } from '../checker/history';
import { atLeast, equals, type Expectation } from './expectation';

/** What the demos measure, from the load's tallies, the client history and the database. */

/** Answers by class: 500 (a bug: never allowed), other 5xx (503: allowed when it says when to retry), and no answer at all. */
export function serverErrors(t: TallySummary | undefined): { internal: number; unavailable: number; unanswered: number } {
  const codes = t?.status_codes ?? {};
  let internal = 0;
  let unavailable = 0;
  for (const [code, n] of Object.entries(codes)) {
    if (code === '500') internal += n;
    else if (/^5\d\d$/.test(code)) unavailable += n;
  }
  return { internal, unavailable, unanswered: (codes.timeout ?? 0) + (codes.network_error ?? 0) };
}

/** The share of reads answered 200, in percent; undefined when none was sent. */
export function readShare(report: LoadReport): number | undefined {
  const rate = report.by_kind.read?.success_rate;
  return rate === null || rate === undefined ? undefined : rate * 100;
}

/** The share of the reads due in [fromMs, toMs) that were answered 200, in percent, and how many there were. */
export function readShareBetween(report: LoadReport, fromMs: number, toMs: number): { percent: number | undefined; reads: number } {
  const reads = report.samples.filter((s) => s.kind === 'read' && s.at >= fromMs && s.at < toMs);
  const ok = reads.filter((s) => s.ok).length;
  return { percent: reads.length === 0 ? undefined : (ok / reads.length) * 100, reads: reads.length };
}

/** Order ids the clients were told were accepted (202). */
export function acceptedOrders(ops: readonly Operation[]): string[] {
  return ops.flatMap((o) => (o.kind === 'place_order' && o.result.type === 'accepted' ? [o.result.orderId] : []));
}

/** Waits until every one of the orders has its final status; returns how many have, and how many are still PENDING or RESERVED. */
export async function waitDecided(pool: Pool, orderIds: readonly string[], timeoutMs: number): Promise<{ decided: number; pending: number; missing: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ decided: number; pending: number; found: number }>(
      `SELECT count(*) FILTER (WHERE status = ANY($2::text[]))::int AS decided, count(*) FILTER (WHERE status <> ALL($2::text[]))::int AS pending, count(*)::int AS found
       FROM orders WHERE order_id = ANY($1::uuid[])`,
      [orderIds, FINAL_ORDER_STATUSES],
    );
    const r = rows[0]!;
    const result = { decided: r.decided, pending: r.pending, missing: orderIds.length - r.found };
    if (result.decided === orderIds.length || Date.now() >= deadline) return result;
    await sleep(250);
  }
}

/** p50/p99 of accept → decision (database clock) of the orders created between two moments. */
export async function decisionLatency(pool: Pool, from: Date, to: Date): Promise<{ p50_ms: number | null; p99_ms: number | null; orders: number }> {
  const { rows } = await pool.query<{ p50: number | null; p99: number | null; n: number }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, count(*)::int AS n
     FROM (SELECT extract(epoch FROM decided_at - created_at) * 1000 AS ms FROM orders
           WHERE created_at BETWEEN $1 AND $2 AND decided_at IS NOT NULL) d`,
    [from, to],
  );
  const r = rows[0]!;
  return { p50_ms: r.p50 === null ? null : Number(r.p50), p99_ms: r.p99 === null ? null : Number(r.p99), orders: r.n };
}

/** Whether the replicas hold identical stock rows (products, available, reserved); names the ones that differ from replica 1. */
export async function replicasIdentical(pool: Pool): Promise<{ identical: boolean; differing: ReplicaId[] }> {
  const { rows } = await pool.query<{ instance_id: ReplicaId; rows: string }>(
    `SELECT instance_id, string_agg(product_id || ':' || available_quantity || ':' || reserved_quantity, ',' ORDER BY product_id) AS rows
     FROM replica_stock GROUP BY instance_id ORDER BY instance_id`,
  );
  const reference = rows.find((r) => r.instance_id === '1')?.rows;
  const differing = rows.filter((r) => r.rows !== reference).map((r) => r.instance_id);
  return { identical: rows.length === 3 && differing.length === 0, differing };
}

/** The time to detect of the newest audit row opened by a fault of this type on this replica, if any. */
export async function ttdOf(pool: Pool, instance: ReplicaId, faultType: string, since: Date): Promise<number | undefined> {
  const { rows } = await pool.query<{ ttd_ms: number }>(
    `SELECT a.ttd_ms FROM failure_audit a JOIN fault_injections f ON f.id = a.fault_id
     WHERE a.instance_id = $1 AND f.fault_type = $2 AND f.injected_at >= $3 ORDER BY a.detected_at DESC LIMIT 1`,
    [instance, faultType, since],
  );
  return rows[0]?.ttd_ms;
}

/** The database's clock now: fault windows are compared with created_at / injected_at on the same clock. */
export async function dbNow(pool: Pool): Promise<Date> {
  return (await pool.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0]!.now;
}

/** Whether the monitor has the replica ON again within 30 s. */
export async function backOn(endpoints: Endpoints, instance: ReplicaId): Promise<boolean> {
  return pollUntil(async () => (await readMonitorStatus(endpoints)).find((i) => i.instance_id === instance)?.status === 'ON', {
    timeoutMs: 30_000,
    intervalMs: 250,
    what: `replica ${instance} ON again`,
    retryErrors: true,
  }).then(
    () => true,
    () => false,
  );
}

/** What a 2-of-3 read path promises through a replica fault: no wrong answer, and (almost) every read answered. */
export function readExpectations(report: LoadReport): Expectation[] {
  return [equals('wrong reads', report.by_kind.read?.reads?.wrong ?? 0, 0), atLeast('reads answered 200', readShare(report), 99, '%')];
}
