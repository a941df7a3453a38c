import { REPLICA_IDS, type Pool, type ReplicaId } from '@ftlab/shared';
import type { TimeWindow } from './read-metrics';

/**
 * What the experiment reads from Postgres: the monitor's failure_audit (TTD and TTR, computed by
 * the database from the fault's own injection time, so one clock) and the replicas' OFF periods.
 */

/** Converts database timestamps to the local clock the load samples use. */
export interface DbClock {
  /** Database clock minus local clock, ms (≈0 on one machine; measured, not assumed). */
  offsetMs: number;
  /** Half the round trip of the best measurement: how precise offsetMs is. */
  uncertaintyMs: number;
  toLocal(db: Date): number;
  toDb(local: number): Date;
}

export function dbClock(offsetMs: number, uncertaintyMs: number): DbClock {
  return { offsetMs, uncertaintyMs, toLocal: (db) => db.getTime() - offsetMs, toDb: (local) => new Date(local + offsetMs) };
}

/** Reads clock_timestamp() a few times and keeps the reading with the shortest round trip (NTP's trick). */
export async function measureDbClock(pool: Pool, rounds = 5): Promise<DbClock> {
  let best: { offset: number; rtt: number } | undefined;
  for (let i = 0; i < rounds; i++) {
    const sent = Date.now();
    const { rows } = await pool.query<{ ms: string }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::text AS ms');
    const received = Date.now();
    const offset = Number(rows[0]!.ms) - (sent + received) / 2;
    if (!best || received - sent < best.rtt) best = { offset, rtt: received - sent };
  }
  return dbClock(Math.round(best!.offset * 10) / 10, best!.rtt / 2);
}

export interface AuditRow {
  id: number;
  instance_id: string;
  cause: string;
  fault_id: number | null;
  injected_at: Date | null;
  cleared_at: Date | null;
  started_at: Date;
  detected_at: Date;
  resolved_at: Date | null;
  ttd_ms: number;
  ttr_ms: number | null;
}

const AUDIT_COLUMNS = `a.id::int AS id, a.instance_id, a.cause, a.fault_id::int AS fault_id, f.injected_at, f.cleared_at,
  a.started_at, a.detected_at, a.resolved_at, a.ttd_ms, a.ttr_ms`;

/** The monitor's audit row for a fault, if it has detected it yet (the first, should there be several). */
export async function auditForFault(pool: Pool, faultId: number): Promise<AuditRow | undefined> {
  const { rows } = await pool.query<AuditRow>(
    `SELECT ${AUDIT_COLUMNS} FROM failure_audit a LEFT JOIN fault_injections f ON f.id = a.fault_id
     WHERE a.fault_id = $1 ORDER BY a.detected_at LIMIT 1`,
    [faultId],
  );
  return rows[0];
}

export interface InjectionRow {
  id: number;
  instance_id: string;
  fault_type: string;
  injected_at: Date;
  cleared_at: Date | null;
}

export async function injection(pool: Pool, faultId: number): Promise<InjectionRow | undefined> {
  const { rows } = await pool.query<InjectionRow>(
    'SELECT id::int AS id, instance_id, fault_type, injected_at, cleared_at FROM fault_injections WHERE id = $1',
    [faultId],
  );
  return rows[0];
}

/**
 * An audit row of this replica that was already open when the fault landed and is not the fault's
 * own: the replica was OFF (a spontaneous failure detected just before) so the monitor can never
 * link this fault to a detection.
 */
export async function offAtInjection(pool: Pool, instanceId: string, faultId: number): Promise<{ id: number; detected_at: Date } | undefined> {
  const { rows } = await pool.query<{ id: number; detected_at: Date }>(
    `SELECT a.id::int AS id, a.detected_at FROM failure_audit a, fault_injections f
     WHERE f.id = $2 AND a.instance_id = $1 AND a.fault_id IS DISTINCT FROM f.id
       AND a.detected_at <= f.injected_at AND (a.resolved_at IS NULL OR a.resolved_at > f.injected_at)
     ORDER BY a.detected_at DESC LIMIT 1`,
    [instanceId, faultId],
  );
  return rows[0];
}

export interface StatusRow {
  instance_id: string;
  status: string;
  since: Date;
}

/** Audit rows that overlap the run (detected after its start, or still open), oldest first. */
export async function auditSince(pool: Pool, since: Date): Promise<AuditRow[]> {
  const { rows } = await pool.query<AuditRow>(
    `SELECT ${AUDIT_COLUMNS} FROM failure_audit a LEFT JOIN fault_injections f ON f.id = a.fault_id
     WHERE a.detected_at >= $1 OR a.resolved_at IS NULL OR a.resolved_at >= $1 ORDER BY a.detected_at`,
    [since],
  );
  return rows;
}

export async function instanceStatuses(pool: Pool): Promise<StatusRow[]> {
  const { rows } = await pool.query<StatusRow>('SELECT instance_id, status, since FROM instance_status');
  return rows;
}

/**
 * Each replica's OFF periods inside [start, end] (local ms): every audit row from detection to
 * resolution (or the end, while open), and a replica still OFF without an open row (marked OFF at
 * startup, say) from its status's `since`. Overlapping periods are merged. Pure.
 */
export function offPeriods(
  audit: readonly AuditRow[],
  statuses: readonly StatusRow[],
  clock: Pick<DbClock, 'toLocal'>,
  start: number,
  end: number,
): { instance_id: ReplicaId; off: TimeWindow[] }[] {
  return REPLICA_IDS.map((id) => {
    const raw: TimeWindow[] = audit
      .filter((a) => a.instance_id === id)
      .map((a) => ({ start: clock.toLocal(a.detected_at), end: a.resolved_at ? clock.toLocal(a.resolved_at) : end }));
    const status = statuses.find((s) => s.instance_id === id);
    if (status?.status === 'OFF' && !audit.some((a) => a.instance_id === id && a.resolved_at === null)) {
      raw.push({ start: clock.toLocal(status.since), end });
    }
    const clipped = raw
      .map((w) => ({ start: Math.max(start, w.start), end: Math.min(end, w.end) }))
      .filter((w) => w.end > w.start)
      .sort((a, b) => a.start - b.start);
    const merged: TimeWindow[] = [];
    for (const w of clipped) {
      const last = merged[merged.length - 1];
      if (last && w.start <= last.end) last.end = Math.max(last.end, w.end);
      else merged.push({ ...w });
    }
    return { instance_id: id, off: merged };
  });
}
