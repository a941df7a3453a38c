import {
  STATUS_CHANNEL,
  withTransaction,
  type FailureCause,
  type FailureRecord,
  type InstanceStatus,
  type Pool,
  type PoolClient,
  type ReplicaId,
  type StatusChange,
} from '@ftlab/shared';

/** An audit row as Postgres gives it: times are Dates until they go on the wire. */
type FailureRow = Omit<FailureRecord, 'started_at' | 'detected_at' | 'resolved_at'> & { started_at: Date; detected_at: Date; resolved_at: Date | null };

export interface ProbeCounters {
  last_probe_at: Date | null;
  last_probe_latency_ms: number | null;
  probes_total: number;
  probe_failures_total: number;
}

/** A replica's status as recorded by the leading monitor. */
export interface RecordedStatus {
  status: InstanceStatus;
  since: Date;
  cause: FailureCause | null;
  transitions_total: number;
}

/**
 * What recording a transition did: the change, or nothing because the replica was already in the
 * target state ('unchanged') or because `term` is no longer the leader's ('fenced').
 */
export type Recording<T> = T | 'unchanged' | 'fenced';

/** The leadership advisory lock's key (init.sql's schema lock is 4242). */
const LEADERSHIP_LOCK = 4243;

/**
 * Holds the leadership row for the rest of the transaction if `term` is still the current one: a
 * takeover (which updates that row) waits for this write, and a write under an old term is refused.
 */
async function holdTerm(client: PoolClient, term: number): Promise<boolean> {
  const { rowCount } = await client.query('SELECT 1 FROM monitor_leadership WHERE term = $1 FOR SHARE', [term]);
  return rowCount === 1;
}

/**
 * The monitor's SQL. A transition and its audit row commit together and announce themselves with
 * NOTIFY (delivered at commit), and only under the current leader's term. Recording a transition is
 * idempotent: a replica already in the target state is left alone, so a write retried after its
 * COMMIT was lost, or a new leader recording what its predecessor already did, never opens a second
 * audit row. TTD and TTR are computed by the database from the fault's own injection time, so both
 * ends of the interval come from one clock.
 */
export function createMonitorStore(pool: Pool) {
  return {
    async statuses(): Promise<Map<ReplicaId, RecordedStatus>> {
      const { rows } = await pool.query<Omit<RecordedStatus, 'transitions_total'> & { instance_id: ReplicaId; transitions_total: string }>(
        'SELECT instance_id, status, since, cause, transitions_total FROM instance_status',
      );
      return new Map(rows.map((r) => [r.instance_id, { ...r, transitions_total: Number(r.transitions_total) }]));
    },

    /**
     * Marks a replica OFF and opens its audit row. The failure started when a fault was injected
     * into it during its current ON period, if one was; otherwise (a real failure) at its last
     * healthy probe, the earliest moment it can have started.
     */
    async markOff(term: number, instanceId: ReplicaId, cause: FailureCause, detail: string, lastHealthyAt: Date | null): Promise<Recording<StatusChange & { ttd_ms: number }>> {
      return withTransaction(pool, async (client) => {
        if (!(await holdTerm(client, term))) return 'fenced';
        const { rows } = await client.query<{ since: Date; ttd_ms: number }>(
          `WITH fault AS (
             SELECT f.id, f.injected_at FROM fault_injections f
             WHERE f.instance_id = $1
               AND f.injected_at >= coalesce((SELECT since FROM instance_status WHERE instance_id = $1 AND status = 'ON'), '-infinity')
             ORDER BY f.injected_at DESC LIMIT 1
           ), audit AS (
             INSERT INTO failure_audit (instance_id, cause, detail, fault_id, started_at, ttd_ms)
             SELECT $1, $2, $3, fault.id, s.started_at,
                    greatest(0, extract(epoch FROM clock_timestamp() - s.started_at) * 1000)
             FROM (SELECT coalesce((SELECT injected_at FROM fault), $4::timestamptz, clock_timestamp()) AS started_at) s
             LEFT JOIN fault ON true
             WHERE NOT EXISTS (SELECT 1 FROM instance_status WHERE instance_id = $1 AND status = 'OFF')
             RETURNING ttd_ms
           )
           INSERT INTO instance_status (instance_id, status, since, cause, transitions_total)
           VALUES ($1, 'OFF', clock_timestamp(), $2, 1)
           ON CONFLICT (instance_id) DO UPDATE
             SET status = 'OFF', since = EXCLUDED.since, cause = $2, updated_at = EXCLUDED.since,
                 transitions_total = instance_status.transitions_total + 1
             WHERE instance_status.status <> 'OFF'
           RETURNING since, (SELECT ttd_ms FROM audit)`,
          [instanceId, cause, detail, lastHealthyAt],
        );
        if (rows.length === 0) return 'unchanged';
        const change: StatusChange = { instance_id: instanceId, status: 'OFF', cause, since: rows[0]!.since.toISOString() };
        await client.query('SELECT pg_notify($1, $2)', [STATUS_CHANNEL, JSON.stringify(change)]);
        return { ...change, ttd_ms: rows[0]!.ttd_ms };
      });
    },

    /** Marks a replica ON and closes its open audit rows with their time to recover. */
    async markOn(term: number, instanceId: ReplicaId): Promise<Recording<StatusChange>> {
      return withTransaction(pool, async (client) => {
        if (!(await holdTerm(client, term))) return 'fenced';
        await client.query(
          `UPDATE failure_audit SET resolved_at = clock_timestamp(),
                  ttr_ms = extract(epoch FROM clock_timestamp() - started_at) * 1000
           WHERE instance_id = $1 AND resolved_at IS NULL`,
          [instanceId],
        );
        const { rows } = await client.query<{ since: Date }>(
          `INSERT INTO instance_status (instance_id, status, since, transitions_total) VALUES ($1, 'ON', clock_timestamp(), 1)
           ON CONFLICT (instance_id) DO UPDATE
             SET status = 'ON', since = EXCLUDED.since, cause = NULL, updated_at = EXCLUDED.since,
                 transitions_total = instance_status.transitions_total + 1
             WHERE instance_status.status <> 'ON'
           RETURNING since`,
          [instanceId],
        );
        if (rows.length === 0) return 'unchanged';
        const change: StatusChange = { instance_id: instanceId, status: 'ON', cause: null, since: rows[0]!.since.toISOString() };
        await client.query('SELECT pg_notify($1, $2)', [STATUS_CHANNEL, JSON.stringify(change)]);
        return change;
      });
    },

    /** Probe counters are kept in memory and saved about once a second, not on every probe; only by the leader. */
    async saveCounters(term: number, instanceId: ReplicaId, c: ProbeCounters): Promise<void> {
      await pool.query(
        `UPDATE instance_status SET last_probe_at = $3, last_probe_latency_ms = $4, probes_total = $5, probe_failures_total = $6
         WHERE instance_id = $2 AND EXISTS (SELECT 1 FROM monitor_leadership WHERE term = $1)`,
        [term, instanceId, c.last_probe_at, c.last_probe_latency_ms, c.probes_total, c.probe_failures_total],
      );
    },

    async failures(instanceId: ReplicaId | undefined, limit: number): Promise<FailureRecord[]> {
      const { rows } = await pool.query<FailureRow>(
        `SELECT a.id::int, a.instance_id, a.cause, a.detail, a.fault_id::int, f.fault_type, a.started_at, a.detected_at,
                a.resolved_at, a.ttd_ms, a.ttr_ms
         FROM failure_audit a LEFT JOIN fault_injections f ON f.id = a.fault_id
         WHERE ($1::text IS NULL OR a.instance_id = $1) ORDER BY a.detected_at DESC LIMIT $2`,
        [instanceId ?? null, limit],
      );
      return rows.map((r) => ({
        ...r,
        started_at: r.started_at.toISOString(),
        detected_at: r.detected_at.toISOString(),
        resolved_at: r.resolved_at?.toISOString() ?? null,
      }));
    },
  };
}
export type MonitorStore = ReturnType<typeof createMonitorStore>;

/**
 * The leadership lock's SQL, on the lease's own connection (a session advisory lock lives and dies
 * with its connection). Taking the lock starts a new term; a takeover waits for the old leader's
 * writes still under way (they hold the leadership row FOR SHARE).
 */
export const leadershipSql = {
  async tryAcquire(client: PoolClient, instance: string): Promise<{ acquired: true; lease: LeaseRow } | { acquired: false; lease: LeaseRow | null; holder: LockHolder | null }> {
    const { rows } = await client.query<{ acquired: boolean }>('SELECT pg_try_advisory_lock($1) AS acquired', [LEADERSHIP_LOCK]);
    if (!rows[0]!.acquired) return { acquired: false, lease: await currentLease(client), holder: await lockHolder(client) };
    const taken = await client.query<LeaseRow>(
      `INSERT INTO monitor_leadership (leader, term) VALUES ($1, 1)
       ON CONFLICT (singleton) DO UPDATE SET leader = $1, term = monitor_leadership.term + 1, since = clock_timestamp()
       RETURNING leader, term::int, since`,
      [instance],
    );
    return { acquired: true, lease: taken.rows[0]! };
  },

  /** Ends the lock holder's connection (a frozen leader's), which releases the lock. */
  async depose(client: PoolClient, holder: LockHolder): Promise<void> {
    await client.query('SELECT pg_terminate_backend($1)', [holder.pid]);
  },

  /** True while this connection still holds the lock (pg_locks lists it as granted to this backend). */
  async holds(client: PoolClient): Promise<boolean> {
    const { rows } = await client.query<{ held: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND pid = pg_backend_pid() AND granted) AS held`,
      [LEADERSHIP_LOCK],
    );
    return rows[0]!.held;
  },
};

interface LeaseRow {
  leader: string;
  term: number;
  since: Date;
}

/** The backend holding the lock, and how long since its last query ended: the leader confirms every poll. */
export interface LockHolder {
  pid: number;
  silent_ms: number;
}

async function lockHolder(client: PoolClient): Promise<LockHolder | null> {
  const { rows } = await client.query<LockHolder>(
    `SELECT l.pid, extract(epoch FROM clock_timestamp() - a.state_change) * 1000 AS silent_ms
     FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.objid = $1 AND l.granted`,
    [LEADERSHIP_LOCK],
  );
  return rows[0] ? { pid: rows[0].pid, silent_ms: Number(rows[0].silent_ms) } : null;
}

async function currentLease(client: PoolClient): Promise<LeaseRow | null> {
  const { rows } = await client.query<LeaseRow>('SELECT leader, term::int, since FROM monitor_leadership');
  return rows[0] ?? null;
}
