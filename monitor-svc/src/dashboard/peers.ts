import type { z } from 'zod';
import {
  callJson,
  describeFailure,
  gatewayStatsResponse,
  notificationStatsResponse,
  orderStatsResponse,
  paymentStatsResponse,
  votingStatsResponse,
  type OrderStatsResponse,
} from '@ftlab/shared';

/**
 * What the dashboard reads from the other services. Each read has a short deadline and its answer
 * is validated: a peer that is down, slow or answers nonsense makes its part of the dashboard
 * "unavailable" with the reason, never the whole snapshot fail.
 */

export type Part<T> = { available: true; value: T } | { available: false; error: string };

/** Enough below the ~1 s tick that a hung peer never delays the next one. */
export const PEER_TIMEOUT_MS = 700;

export type OrderCounts = OrderStatsResponse['counts'];

export async function fetchPart<S extends z.ZodTypeAny>(url: string, schema: S, timeoutMs = PEER_TIMEOUT_MS): Promise<Part<z.output<S>>> {
  const answer = await callJson(url, schema, { timeoutMs, headers: { accept: 'application/json' } });
  return answer.ok ? { available: true, value: answer.value } : { available: false, error: `${url}: ${describeFailure(answer.failure)}` };
}

export const fetchVotingStats = (voterUrl: string) => fetchPart(`${voterUrl}/voting-stats`, votingStatsResponse);
export const fetchOrderCounts = async (ordersUrl: string): Promise<Part<OrderCounts>> => {
  const part = await fetchPart(`${ordersUrl}/orders/stats`, orderStatsResponse);
  return part.available ? { available: true, value: part.value.counts } : part;
};
export const fetchGatewayStats = (gatewayUrl: string) => fetchPart(`${gatewayUrl}/gateway/stats`, gatewayStatsResponse);
/** The saga's other two services: payment-svc's breaker and charges, notification-svc's waiting emails. */
export const fetchPaymentStats = (paymentUrl: string) => fetchPart(`${paymentUrl}/payments/stats`, paymentStatsResponse);
export const fetchNotificationStats = (notificationUrl: string) => fetchPart(`${notificationUrl}/notifications/stats`, notificationStatsResponse);
