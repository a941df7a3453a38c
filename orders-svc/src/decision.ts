import type { Outcome, RejectReason, ReplicaId } from '@ftlab/shared';

/**
 * When an order is decided: two replicas agreeing is a majority of three. A replica whose result
 * differs from the decided majority has diverged from the log it shares with the others, which
 * is a fault to report; one that has not answered yet is not.
 */

export const ORDER_QUORUM = 2;

export interface PlacementResult {
  instance_id: ReplicaId;
  outcome: Extract<Outcome, 'RESERVED' | 'REJECTED'>;
  reason?: RejectReason | null;
}

export type OrderDecision = { status: 'CONFIRMED' } | { status: 'REJECTED'; reason: RejectReason | null } | { status: 'PENDING' };

export function decideOrder(results: PlacementResult[], quorum = ORDER_QUORUM): OrderDecision {
  const reserved = results.filter((r) => r.outcome === 'RESERVED');
  if (reserved.length >= quorum) return { status: 'CONFIRMED' };
  const rejected = results.filter((r) => r.outcome === 'REJECTED');
  if (rejected.length >= quorum) return { status: 'REJECTED', reason: majorityReason(rejected) };
  return { status: 'PENDING' };
}

/** Results that contradict a decision: a replica that reserved what the majority rejected, or the reverse. */
export function dissenters<R extends PlacementResult>(decision: OrderDecision, results: R[]): R[] {
  if (decision.status === 'PENDING') return [];
  const agreed = decision.status === 'CONFIRMED' ? 'RESERVED' : 'REJECTED';
  return results.filter((r) => r.outcome !== agreed);
}

function majorityReason(rejected: PlacementResult[]): RejectReason | null {
  const counts = new Map<RejectReason | null, number>();
  for (const r of rejected) counts.set(r.reason ?? null, (counts.get(r.reason ?? null) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}
