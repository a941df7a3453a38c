import { setTimeout as sleep } from 'node:timers/promises';
import { SERVICE_APPLICATION_PREFIX, createPool, type Logger } from '@ftlab/shared';

/**
 * Database flapping (seed 004): for a while, the server drops the services' connections at random.
 * It is a real dropped connection: PostgreSQL itself terminates the backend
 * (pg_terminate_backend), exactly as an administrator, a failover or a proxy restart would, and
 * the service sees its socket close mid-query. Only connections whose application_name marks
 * them as a service's are touched (runService names them), never a tool's or a test's own.
 */

export interface FlappingOptions {
  databaseUrl: string;
  /** Chance that each service connection is terminated at each tick, 0-1. */
  probability: number;
  durationMs: number;
  /** How often the connections are drawn from. */
  tickMs?: number;
  logger?: Logger;
  /** Randomness, replaceable in tests. */
  random?: () => number;
  signal?: AbortSignal;
}

export interface FlappingReport {
  ticks: number;
  /** Backends terminated, by application name. */
  terminated: Record<string, number>;
}

export const DEFAULT_FLAP_TICK_MS = 500;

/** Which of the candidate backends to terminate at one tick: each with the given probability. */
export function pickVictims<T>(candidates: readonly T[], probability: number, random: () => number): T[] {
  return candidates.filter(() => random() < probability);
}

export async function flapDatabase(opts: FlappingOptions): Promise<FlappingReport> {
  const random = opts.random ?? Math.random;
  const tickMs = opts.tickMs ?? DEFAULT_FLAP_TICK_MS;
  const pool = createPool(opts.databaseUrl, 1);
  const report: FlappingReport = { ticks: 0, terminated: {} };
  const endAt = Date.now() + opts.durationMs;
  try {
    while (Date.now() < endAt && !opts.signal?.aborted) {
      const { rows } = await pool.query<{ pid: number; application_name: string }>(
        `SELECT pid, application_name FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND starts_with(application_name, $1)`,
        [SERVICE_APPLICATION_PREFIX],
      );
      const victims = pickVictims(rows, opts.probability, random);
      if (victims.length > 0) {
        await pool.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [victims.map((v) => v.pid)]);
        for (const v of victims) report.terminated[v.application_name] = (report.terminated[v.application_name] ?? 0) + 1;
        opts.logger?.info({ terminated: victims.map((v) => v.application_name) }, 'db-flapping: connections terminated');
      }
      report.ticks++;
      await sleep(Math.min(tickMs, Math.max(0, endAt - Date.now())), undefined, { signal: opts.signal }).catch(() => undefined);
    }
  } finally {
    await pool.end();
  }
  return report;
}
