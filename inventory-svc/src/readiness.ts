import type { LeaseState, LogProgress, ReplicaReadiness } from '@ftlab/shared';

/**
 * Whether a replica is draining the backlog a log outage built: it was ready when the broker went
 * away, and has not caught up since. When the broker returns, every order accepted meanwhile
 * reaches every replica at once; all three are behind together, by the same cause, and each stays
 * a consistent state of the log at its positions, so none of them is taken for failed meanwhile.
 */
export function drainingAfterOutage(draining: boolean, wasReady: boolean, log: LogProgress, maxLag: number): boolean {
  if (log.unreachableForMs !== null) return draining || wasReady;
  if (log.lag !== null && log.lag <= maxLag) return false;
  return draining;
}

export interface Readiness {
  ok: boolean;
  status: ReplicaReadiness;
  /** Messages in the log not yet applied, against the log's end as last known; null until the broker has told the consumer. */
  lag: number | null;
  log: 'reachable' | 'unreachable';
  /** How long the broker has not answered, when it is unreachable. */
  log_unreachable_ms?: number;
  /** Ready although behind: draining what a log outage built up (see drainingAfterOutage). */
  draining?: true;
  lease: { state: LeaseState['kind']; epoch?: number; holder?: string; reason?: string };
}

/**
 * What a replica's /health says. A restarted replica listens before it joins Kafka, so the
 * monitor sees it alive at once, but it is ready (200, and so ON and asked by the voter) only
 * once it holds its lease, its consumer runs and fewer than `maxLag` log messages wait to be
 * applied: until then its answers would be stale, and a vote should not count them.
 *
 * A second copy of the replica is `fenced`: another process holds the lease, so this one answers
 * nothing as the replica. A replica that was caught up when the broker went away stays ready: its
 * state is a consistent state of the log at its positions, which its answers carry, and it says
 * the log is unreachable and since when. Every replica loses the broker together, so failing
 * /health then would take them all OFF for a cause none of them has. For the same reason the
 * monitor does not blame a replica for being behind while none of its peers is ready either.
 */
export function readiness(lease: LeaseState, consumerRunning: boolean, log: LogProgress, maxLag: number, draining = false): Readiness {
  const reach = log.unreachableForMs === null ? { log: 'reachable' as const } : { log: 'unreachable' as const, log_unreachable_ms: Math.round(log.unreachableForMs) };
  const report = leaseReport(lease);
  if (lease.kind === 'fenced') return { ok: false, status: 'fenced', lag: null, ...reach, lease: report };
  if (!consumerRunning || lease.kind === 'seeking') return { ok: false, status: 'starting', lag: null, ...reach, lease: report };
  const behind = log.lag === null || log.lag > maxLag;
  if (behind && draining && log.lag !== null) return { ok: true, status: 'ready', lag: log.lag, ...reach, draining: true, lease: report };
  const status = behind ? 'catching_up' : 'ready';
  return { ok: status === 'ready', status, lag: log.lag, ...reach, lease: report };
}

function leaseReport(lease: LeaseState): Readiness['lease'] {
  switch (lease.kind) {
    case 'held':
      return { state: 'held', epoch: lease.epoch };
    case 'reacquiring':
      return { state: 'reacquiring', epoch: lease.epoch, reason: lease.reason };
    case 'fenced':
      return { state: 'fenced', ...(lease.holder ? { holder: lease.holder.holder, epoch: lease.holder.epoch } : {}), reason: lease.reason };
    case 'seeking':
      return { state: 'seeking', ...(lease.reason ? { reason: lease.reason } : {}) };
  }
}
