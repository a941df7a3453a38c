import { z } from 'zod';

/**
 * Faults that act on a whole process or on the database server rather than inside a service:
 * served by the launcher's control API (scripts/src/launcher/control-api.ts) for the processes it
 * supervises, and sent by `inject-failures`, the demos and the experiment.
 */

/** A supervised process: a service ("inventory-2", "orders-svc", ...) or a Kafka broker ("broker-1"). */
export const processName = z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, 'a process name such as inventory-1, orders-svc or broker-1');

const durationMs = z.number().int().min(1).max(600_000);

export const processFaultRequest = z.discriminatedUnion('type', [
  /** kill -9; the supervisor restarts it at once, or after `down_for_ms` (kept down meanwhile). */
  z.object({ type: z.literal('crash'), down_for_ms: z.number().int().min(0).max(600_000).default(0) }).strict(),
  /** SIGSTOP, then SIGCONT after `duration_ms`: a process frozen by the host (GC, swap, a debugger). */
  z.object({ type: z.literal('pause'), duration_ms: durationMs }).strict(),
  /** A second copy of the process runs beside it for `duration_ms` (a rolling deploy, a supervisor restarting a process that was only frozen). */
  z.object({ type: z.literal('duplicate'), duration_ms: durationMs }).strict(),
]);
export type ProcessFaultRequest = z.infer<typeof processFaultRequest>;

/** Database flapping (seed 004): the server terminates the services' connections at random. */
export const dbFlappingRequest = z
  .object({ probability: z.number().min(0).max(1), duration_ms: durationMs, tick_ms: z.number().int().min(50).max(10_000).optional() })
  .strict();
export type DbFlappingRequest = z.infer<typeof dbFlappingRequest>;

export const processState = z.enum(['running', 'paused', 'down', 'restarting']);

export const processView = z.object({
  name: processName,
  pid: z.number().int().nullable(),
  state: processState,
  /** Unexpected exits since the launcher started it. */
  restarts: z.number().int(),
  /** A fault in effect on it, if any, and when that fault ends. */
  fault: z.object({ type: z.enum(['crash', 'pause', 'duplicate']), ends_at: z.string() }).nullable(),
});
export type ProcessView = z.infer<typeof processView>;

export const processListResponse = z.object({ processes: z.array(processView) });

export const dbFlappingView = z.object({
  active: z.boolean(),
  ends_at: z.string().nullable(),
  /** Connections terminated by the current or last flapping, by application name. */
  terminated: z.record(z.number().int()),
});
export type DbFlappingView = z.infer<typeof dbFlappingView>;

/** A restart of the PostgreSQL server (pg_ctlcluster restart -m fast): every connection drops at once. */
export const postgresRestartRequest = z.object({}).strict();
export const postgresRestartView = z.object({ cluster: z.string(), restarted_at: z.string() });
export type PostgresRestartView = z.infer<typeof postgresRestartView>;
