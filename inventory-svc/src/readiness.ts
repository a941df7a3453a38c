/**
 * What a replica's /health says. A restarted replica listens before it joins Kafka, so the
 * monitor sees it alive at once, but it is ready (200, and so ON and asked by the voter) only
 * once its consumer runs and fewer than `maxLag` log messages wait to be applied: until then its
 * answers would be stale, and a vote should not count them.
 */
export type ReplicaStatus = 'starting' | 'catching_up' | 'ready';

export interface Readiness {
  ok: boolean;
  status: ReplicaStatus;
  /** Messages in the log not yet applied; null until the broker has told the consumer. */
  lag: number | null;
}

export function readiness(consumerRunning: boolean, lag: number | null, maxLag: number): Readiness {
  if (!consumerRunning) return { ok: false, status: 'starting', lag: null };
  const status = lag === null || lag > maxLag ? 'catching_up' : 'ready';
  return { ok: status === 'ready', status, lag };
}
