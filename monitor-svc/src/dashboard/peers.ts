import { z } from 'zod';
import { REPLICA_IDS, callJson, describeFailure, orderStatus } from '@ftlab/shared';

/**
 * What the dashboard reads from the other services. Each read has a short deadline and its answer
 * is validated: a peer that is down, slow or answers nonsense makes its part of the dashboard
 * "unavailable" with the reason, never the whole snapshot fail.
 */

export type Part<T> = { available: true; value: T } | { available: false; error: string };

/** Enough below the ~1 s tick that a hung peer never delays the next one. */
export const PEER_TIMEOUT_MS = 700;

/** Counts by replica id; a replica the voter has no entry for is simply not shown. */
const perReplica = z.record(z.enum(REPLICA_IDS), z.number());
const ms = z.number().nullable();

/** The parts of voter-svc's GET /voting-stats the dashboard shows (the rest is ignored). */
export const votingStats = z.object({
  requests_total: z.number(),
  quorum_achieved: z.number(),
  quorum_failed: z.number(),
  quorum_rate: z.number().nullable(),
  disagreements: z.number(),
  outliers: perReplica,
  lagging: perReplica,
  failures: perReplica,
  latency_ms: z.object({ window_s: z.number(), count: z.number(), p50: ms, p95: ms, p99: ms }),
});
export type VotingStats = z.infer<typeof votingStats>;

/** orders-svc's GET /orders/stats. */
export const orderStats = z.object({ counts: z.record(orderStatus, z.number().int()) });
export type OrderCounts = z.infer<typeof orderStats>['counts'];

export async function fetchPart<S extends z.ZodTypeAny>(url: string, schema: S, timeoutMs = PEER_TIMEOUT_MS): Promise<Part<z.output<S>>> {
  const answer = await callJson(url, schema, { timeoutMs, headers: { accept: 'application/json' } });
  return answer.ok ? { available: true, value: answer.value } : { available: false, error: `${url}: ${describeFailure(answer.failure)}` };
}

export const fetchVotingStats = (voterUrl: string) => fetchPart(`${voterUrl}/voting-stats`, votingStats);
export const fetchOrderCounts = async (ordersUrl: string): Promise<Part<OrderCounts>> => {
  const part = await fetchPart(`${ordersUrl}/orders/stats`, orderStats);
  return part.available ? { available: true, value: part.value.counts } : part;
};
