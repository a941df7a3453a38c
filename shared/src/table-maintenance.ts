import type { Pool } from './db';
import type { Logger } from './logger';
import { counter, type Registry } from './metrics';

/**
 * VACUUM and ANALYZE for the tables a service churns, when the PostgreSQL server runs without
 * autovacuum (the machines this lab runs on have it off). Without it the outbox, which gains and
 * loses a row per order, fills with dead rows, and the planner keeps the statistics of an empty
 * database: it then scans whole tables for what an index finds in microseconds.
 *
 * The rule is autovacuum's own, with its thresholds: act once the changes since the last pass
 * exceed a base plus a fraction of the live rows.
 */

export interface TableActivity {
  table: string;
  live: number;
  dead: number;
  modifiedSinceAnalyze: number;
}

export interface MaintenanceThresholds {
  base: number;
  fraction: number;
}

export const DEFAULT_THRESHOLDS: MaintenanceThresholds = { base: 1000, fraction: 0.1 };

export type MaintenanceStep = 'VACUUM' | 'ANALYZE' | 'VACUUM (ANALYZE)';

/** What a table needs now, or null. */
export function maintenanceDue(activity: TableActivity, t: MaintenanceThresholds = DEFAULT_THRESHOLDS): MaintenanceStep | null {
  const limit = t.base + t.fraction * activity.live;
  const vacuum = activity.dead > limit;
  const analyze = activity.modifiedSinceAnalyze > limit;
  if (vacuum && analyze) return 'VACUUM (ANALYZE)';
  if (vacuum) return 'VACUUM';
  return analyze ? 'ANALYZE' : null;
}

const CHECK_EVERY_MS = 5000;

/**
 * Checks the tables every few seconds and vacuums or analyzes those that need it, one at a time.
 * Does nothing when the server's autovacuum is on. Several services may maintain the same
 * table: an advisory lock per table lets one of them do it.
 */
export async function startTableMaintenance(opts: { pool: Pool; tables: string[]; logger: Logger; registry: Registry }): Promise<{ stop: () => Promise<void> }> {
  const { pool, tables, logger } = opts;
  const { rows } = await pool.query<{ autovacuum: string }>('SHOW autovacuum');
  if (rows[0]?.autovacuum === 'on') return { stop: async () => undefined };
  const passes = counter(opts.registry, 'db_maintenance_total', 'VACUUM/ANALYZE passes run because the server has autovacuum off', ['table', 'step']);

  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const check = async () => {
    const { rows: stats } = await pool.query<{ table: string; live: string; dead: string; modified: string }>(
      `SELECT relname AS table, n_live_tup AS live, n_dead_tup AS dead, n_mod_since_analyze AS modified
       FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname = ANY($1::text[])`,
      [tables],
    );
    for (const s of stats) {
      const step = maintenanceDue({ table: s.table, live: Number(s.live), dead: Number(s.dead), modifiedSinceAnalyze: Number(s.modified) });
      if (!step || stopped) continue;
      const client = await pool.connect();
      try {
        const { rows: lock } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtext('maintenance:' || $1)) AS ok", [s.table]);
        if (!lock[0]?.ok) continue;
        try {
          const started = performance.now();
          // The table name comes from the service's own list, never from input.
          await client.query(`${step} ${client.escapeIdentifier(s.table)}`);
          passes.inc({ table: s.table, step });
          logger.debug({ table: s.table, step, ms: Math.round(performance.now() - started), dead: Number(s.dead) }, 'table maintained');
        } finally {
          await client.query("SELECT pg_advisory_unlock(hashtext('maintenance:' || $1))", [s.table]);
        }
      } finally {
        client.release();
      }
    }
  };
  const timer = setInterval(() => {
    running = running.then(check).catch((err: Error) => logger.warn({ err: err.message }, 'table maintenance failed; trying again later'));
  }, CHECK_EVERY_MS);
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
