import type { LeaseState, LogProgress, ReplicaReadiness } from '@ftlab/shared';

/**
 * How long after the broker's return a drain lasts at least. The orders that waited out the
 * outage in the outbox reach the log only once their producers reconnect (up to 2 s between
 * tries) and the relay sends them, and the consumer learns the new end a refresh later: a replica
 * caught up a moment after the return has not yet seen the backlog it is about to be behind by.
 */
export const DRAIN_SETTLE_MS = 5000;
/**
 * How long a drain may last at most. Long enough for the backlog of a 90 s outage at 50 orders/s
 * on a busy 2-core host; a replica still behind after it is behind for its own reasons (a
 * consumer that has not rejoined the log), and the usual rule judges it again.
 */
export const DRAIN_MAX_MS = 60_000;

/**
 * Whether a replica is draining the backlog a log outage built: it was ready when the broker went
 * away, and has not caught up since. When the broker returns, every order accepted meanwhile
 * reaches every replica at once; all three are behind together, by the same cause, and each stays
 * a consistent state of the log at its positions, so none of them is taken for failed meanwhile.
 * `since` is when the log answered again.
 */
export type OutageDrain = { kind: 'none' } | { kind: 'log_away' } | { kind: 'draining'; since: number };

export const NO_DRAIN: OutageDrain = { kind: 'none' };

export function nextDrain(drain: OutageDrain, wasReady: boolean, log: LogProgress, maxLag: number, now: number): OutageDrain {
  if (log.unreachableForMs !== null) return drain.kind !== 'none' || wasReady ? { kind: 'log_away' } : NO_DRAIN;
  if (drain.kind === 'log_away') return { kind: 'draining', since: now };
  if (drain.kind === 'none') return drain;
  const elapsed = now - drain.since;
  const caughtUp = log.lag !== null && log.lag <= maxLag;
  return elapsed > DRAIN_MAX_MS || (elapsed >= DRAIN_SETTLE_MS && caughtUp) ? NO_DRAIN : drain;
}

export interface Readiness {
  ok: boolean;
  status: ReplicaReadiness;
  /** Messages in the log not yet applied, against the log's end as last known; null until the broker has told the consumer. */
  lag: number | null;
  log: 'reachable' | 'unreachable';
  /** How long the broker has not answered, when it is unreachable. */
  log_unreachable_ms?: number;
  /** Ready although behind: draining what a log outage built up (see OutageDrain). */
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
