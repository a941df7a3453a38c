import {
  STATUS_CHANNEL,
  withTransaction,
  type FailureCause,
  type FailureRecord,
  type InstanceStatus,
  type Pool,
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

/**
 * The monitor's SQL. A transition and its audit row commit together and announce themselves with
 * NOTIFY (delivered at commit). Recording a transition is idempotent: a replica already in the
 * target state is left alone (undefined is returned), so a write retried after its COMMIT was
 * lost never opens a second audit row. TTD and TTR are computed by the database from the fault's own
 * injection time, so both ends of the interval come from one clock.
 */
export function createMonitorStore(pool: Pool) {
  return {
    async statuses(): Promise<Map<ReplicaId, { status: InstanceStatus; since: Date; transitions_total: number }>> {
      const { rows } = await pool.query<{ instance_id: ReplicaId; status: InstanceStatus; since: Date; transitions_total: string }>(
        'SELECT instance_id, status, since, transitions_total FROM instance_status',
      );
      return new Map(rows.map((r) => [r.instance_id, { ...r, transitions_total: Number(r.transitions_total) }]));
    },

    /**
     * Marks a replica OFF and opens its audit row. The failure started when a fault was injected
     * into it during its current ON period, if one was; otherwise (a real failure) at its last
     * healthy probe, the earliest moment it can have started.
     */
    async markOff(instanceId: ReplicaId, cause: FailureCause, detail: string, lastHealthyAt: Date | null): Promise<(StatusChange & { ttd_ms: number }) | undefined> {
      return withTransaction(pool, async (client) => {
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
        if (rows.length === 0) return undefined;
        const change: StatusChange = { instance_id: instanceId, status: 'OFF', cause, since: rows[0]!.since.toISOString() };
        await client.query('SELECT pg_notify($1, $2)', [STATUS_CHANNEL, JSON.stringify(change)]);
        return { ...change, ttd_ms: rows[0]!.ttd_ms };
      });
    },

    /** Marks a replica ON and closes its open audit rows with their time to recover. */
    async markOn(instanceId: ReplicaId): Promise<StatusChange | undefined> {
      return withTransaction(pool, async (client) => {
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
        if (rows.length === 0) return undefined;
        const change: StatusChange = { instance_id: instanceId, status: 'ON', cause: null, since: rows[0]!.since.toISOString() };
        await client.query('SELECT pg_notify($1, $2)', [STATUS_CHANNEL, JSON.stringify(change)]);
        return change;
      });
    },

    /** Probe counters are kept in memory and saved about once a second, not on every probe. */
    async saveCounters(instanceId: ReplicaId, c: ProbeCounters): Promise<void> {
      await pool.query(
        `UPDATE instance_status SET last_probe_at = $2, last_probe_latency_ms = $3, probes_total = $4, probe_failures_total = $5
         WHERE instance_id = $1`,
        [instanceId, c.last_probe_at, c.last_probe_latency_ms, c.probes_total, c.probe_failures_total],
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
