import { replicaErrorReportEvent, type Outcome, type RejectReason, type ReplicaErrorReport, type ReplicaId } from '@ftlab/shared';

/**
 * When an order's placement is decided: two replicas agreeing is a majority of three. Two that
 * reserved make it RESERVED, and its payment (the saga) decides whether it ends CONFIRMED. A replica whose result
 * differs from the decided majority has diverged from the log it shares with the others, which
 * is a fault to report; one that has not answered yet is not.
 */

export const ORDER_QUORUM = 2;

export interface PlacementResult {
  instance_id: ReplicaId;
  outcome: Extract<Outcome, 'RESERVED' | 'REJECTED'>;
  reason?: RejectReason | null;
}

export type OrderDecision = { status: 'RESERVED' } | { status: 'REJECTED'; reason: RejectReason | null } | { status: 'PENDING' };

export function decideOrder(results: PlacementResult[], quorum = ORDER_QUORUM): OrderDecision {
  const reserved = results.filter((r) => r.outcome === 'RESERVED');
  if (reserved.length >= quorum) return { status: 'RESERVED' };
  const rejected = results.filter((r) => r.outcome === 'REJECTED');
  if (rejected.length >= quorum) return { status: 'REJECTED', reason: majorityReason(rejected) };
  return { status: 'PENDING' };
}

/** Results that contradict a decision: a replica that reserved what the majority rejected, or the reverse. */
export function dissenters<R extends PlacementResult>(decision: OrderDecision, results: R[]): R[] {
  if (decision.status === 'PENDING') return [];
  const agreed = decision.status;
  return results.filter((r) => r.outcome !== agreed);
}

function majorityReason(rejected: PlacementResult[]): RejectReason | null {
  const counts = new Map<RejectReason | null, number>();
  for (const r of rejected) counts.set(r.reason ?? null, (counts.get(r.reason ?? null) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
}

/** A result as the store reads it back for a batch: `fresh` when this batch brought it, not an earlier one. */
export interface Vote extends PlacementResult {
  order_id: string;
  fresh: boolean;
}

export type FinalDecision = Exclude<OrderDecision, { status: 'PENDING' }>;

/**
 * What a batch of replica results decides: `votes` are the batch's new results and every earlier
 * one on the same orders. An order whose results were all seen before (redelivered, or only a
 * release) was decided then, and is not decided again. A dissent is reported once, when the
 * dissenting result first arrives; `reporter` names who reports it.
 */
export function decideBatch(votes: Vote[], reporter: string): { decisions: { order_id: string; decision: FinalDecision }[]; reports: ReplicaErrorReport[] } {
  const byOrder = new Map<string, Vote[]>();
  for (const v of votes) byOrder.set(v.order_id, [...(byOrder.get(v.order_id) ?? []), v]);
  const decisions: { order_id: string; decision: FinalDecision }[] = [];
  const reports: ReplicaErrorReport[] = [];
  for (const [orderId, orderVotes] of byOrder) {
    if (!orderVotes.some((v) => v.fresh)) continue;
    const decision = decideOrder(orderVotes);
    if (decision.status === 'PENDING') continue;
    decisions.push({ order_id: orderId, decision });
    for (const d of dissenters(decision, orderVotes)) {
      if (d.fresh) reports.push(dissentReport(orderId, d, decision, reporter));
    }
  }
  return { decisions, reports };
}

/** The report about a replica that contradicted the decided majority on an order. */
export function dissentReport(orderId: string, d: PlacementResult, decision: FinalDecision, reporter: string): ReplicaErrorReport {
  return replicaErrorReportEvent({
    instance_id: d.instance_id,
    cause: 'incorrect_response',
    reporter,
    order_id: orderId,
    expected: decision.status,
    actual: d.outcome,
    detail: `replica ${d.instance_id} answered ${d.outcome} for order ${orderId}, the majority decided ${decision.status}`,
  });
}
