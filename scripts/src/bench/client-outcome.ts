import type { OrderStatus } from '@ftlab/shared';
import { summarizeLatencies, type LatencySummary } from '../lib/latency';
import type { Sample } from '../load/sample';

/**
 * Accept → outcome as the client sees it: an order's POST answer (a load sample) joined with the
 * long-poll that followed it to its decision. Every latency counts from the order's scheduled
 * send time, so time the client spent before sending, or the server spent before answering,
 * is all in it.
 */

/** How following one accepted order ended: the answer that carried its decision, or why none came. */
export type FollowResult = { orderId: string; decided: true; status: OrderStatus; endMs: number; polls: number } | { orderId: string; decided: false; polls: number; error: string };

export interface ClientOutcomeSummary {
  /** POST /orders answered 202. */
  accepted: number;
  /** Scheduled orders that were not accepted (an error, a timeout, dropped by the generator). */
  not_accepted: number;
  /** Accepted orders whose decision the client learnt. */
  decided: number;
  /** Accepted orders whose decision the client never learnt (the long-poll kept failing). */
  unresolved: number;
  by_status: Partial<Record<OrderStatus, number>>;
  /** GETs per decided order beyond the first: long-polls that ended without a decision. */
  extra_polls: number;
  /** Scheduled send → 202, accepted orders only. */
  accept_latency_ms: LatencySummary;
  /** Scheduled send → the GET answer that carried the decision. */
  outcome_latency_ms: LatencySummary;
}

export function summarizeClientOutcomes(orders: readonly Sample[], follows: readonly FollowResult[]): ClientOutcomeSummary {
  const accepted = orders.filter((s): s is Sample & { orderId: string; latencyMs: number } => s.orderId !== undefined && s.latencyMs !== null);
  const dueById = new Map(accepted.map((s) => [s.orderId, s.at]));
  const outcomeMs: number[] = [];
  const byStatus: Partial<Record<OrderStatus, number>> = {};
  let decided = 0;
  let extraPolls = 0;
  for (const f of follows) {
    const dueMs = dueById.get(f.orderId);
    if (dueMs === undefined || !f.decided) continue;
    decided += 1;
    extraPolls += f.polls - 1;
    byStatus[f.status] = (byStatus[f.status] ?? 0) + 1;
    outcomeMs.push(f.endMs - dueMs);
  }
  return {
    accepted: accepted.length,
    not_accepted: orders.length - accepted.length,
    decided,
    unresolved: accepted.length - decided,
    by_status: byStatus,
    extra_polls: extraPolls,
    accept_latency_ms: summarizeLatencies(accepted.map((s) => s.latencyMs)),
    outcome_latency_ms: summarizeLatencies(outcomeMs),
  };
}
