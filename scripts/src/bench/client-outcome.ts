import type { OrderStatus } from '@ftlab/shared';
import { summarizeLatencies, type LatencySummary } from '../lib/latency';
import type { Sample } from '../load/sample';
import type { OrderTiming } from './orders-db';

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
  /**
   * Where each followed order's time went, by the database's timestamps (the same host's clock
   * as the client's): scheduled send → row inserted (client, HTTP, accept batching), inserted →
   * decided (the replicas and the vote), decided → the client has the answer (commit, wake-up,
   * re-read, HTTP).
   */
  segments_ms: { to_insert: LatencySummary; insert_to_decision: LatencySummary; decision_to_client: LatencySummary };
}

export function summarizeClientOutcomes(orders: readonly Sample[], follows: readonly FollowResult[], timings: readonly OrderTiming[]): ClientOutcomeSummary {
  const accepted = orders.filter((s): s is Sample & { orderId: string; latencyMs: number } => s.orderId !== undefined && s.latencyMs !== null);
  const dueById = new Map(accepted.map((s) => [s.orderId, s.at]));
  const timingById = new Map(timings.map((t) => [t.orderId, t]));
  const outcomeMs: number[] = [];
  const segments = { to_insert: [] as number[], insert_to_decision: [] as number[], decision_to_client: [] as number[] };
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
    const t = timingById.get(f.orderId);
    if (t?.decidedMs == null) continue;
    segments.to_insert.push(t.createdMs - dueMs);
    segments.insert_to_decision.push(t.decidedMs - t.createdMs);
    segments.decision_to_client.push(f.endMs - t.decidedMs);
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
    segments_ms: {
      to_insert: summarizeLatencies(segments.to_insert),
      insert_to_decision: summarizeLatencies(segments.insert_to_decision),
      decision_to_client: summarizeLatencies(segments.decision_to_client),
    },
  };
}
