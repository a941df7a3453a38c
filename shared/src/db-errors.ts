/**
 * Which database failures are the network's or the server's, not the statement's. A dropped
 * connection, a server restart, an administrator terminating backends ("database flapping") or a
 * full connection table pass on their own: the work that hit them was rolled back and may be
 * done again. Everything else (a constraint, a syntax error) would fail the same way twice.
 */

/** SQLSTATE class 08: connection exception. */
const CONNECTION_EXCEPTION_CLASS = '08';
const TRANSIENT_SQLSTATES = new Set([
  '57P01', // admin_shutdown: pg_terminate_backend, or a fast shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the server is starting or in recovery
  '53300', // too_many_connections
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOENT']);
/** node-postgres reports a lost connection in words, without a code. */
const LOST_CONNECTION_MESSAGES = [
  /connection terminated/i,
  /not queryable/i,
  /timeout exceeded when trying to connect/i,
  /terminating connection/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

export function isTransientDbError(err: unknown): boolean {
  if (err instanceof CommitOutcomeUnknown) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith(CONNECTION_EXCEPTION_CLASS) && code.length === 5) return true;
    if (TRANSIENT_SQLSTATES.has(code) || NETWORK_CODES.has(code)) return true;
  }
  return LOST_CONNECTION_MESSAGES.some((pattern) => pattern.test(err.message));
}

/**
 * The connection was lost while COMMIT was on its way: the transaction may or may not have
 * committed. It is transient (the caller may answer 503 and the client retry with its
 * idempotency key), but never retried blindly here, since doing the work again could do it twice.
 */
export class CommitOutcomeUnknown extends Error {
  constructor(override readonly cause: Error) {
    super(`connection lost during COMMIT, outcome unknown: ${cause.message}`);
    this.name = 'CommitOutcomeUnknown';
  }
}
