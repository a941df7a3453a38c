import { z } from 'zod';
import { orderId, productId } from '../events';
import { orderStatus, stockView } from '../api';

/**
 * What gateway-svc says itself, on top of the bodies it passes through from orders-svc and
 * voter-svc unchanged. Clients and tests parse these; the gateway builds its answers with them.
 */

/** X-Client-Id: who a rate limit is counted for (without it, the client's address). */
export const clientIdHeader = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits, ".", "_", ":" or "-" only');

export const limitClass = z.enum(['read', 'order']);
export type LimitClass = z.infer<typeof limitClass>;

/** 429: the client spent its allowance; `retry_after_s` is also the Retry-After header. */
export const rateLimitedBody = z.object({
  error: z.string(),
  limit: limitClass,
  client: z.string(),
  retry_after_s: z.number().int().min(1),
});
export type RateLimitedBody = z.infer<typeof rateLimitedBody>;

/** 503 from the gateway itself: an upstream is saturated (bulkhead full) or failing (breaker open, timeout, down). */
export const upstreamUnavailableBody = z.object({
  error: z.string(),
  upstream: z.enum(['voter', 'orders']),
  reason: z.enum(['bulkhead_full', 'breaker_open', 'timeout', 'unreachable']),
  retry_after_s: z.number().int().min(1),
});
export type UpstreamUnavailableBody = z.infer<typeof upstreamUnavailableBody>;

/**
 * 200 for GET /inventory/:product_id while the voter cannot give a majority: the last majority
 * answer the gateway saw, how old it is (also the Age header, in seconds) and the log position it
 * was computed at. A fresh answer never has `stale`.
 */
export const staleInventoryRead = stockView.pick({ product_id: true, available_quantity: true, reserved_quantity: true, position: true }).extend({
  stale: z.literal(true),
  age_ms: z.number().int().min(0),
  /** Why no fresh answer: what happened to this read's call to the voter. */
  reason: z.string(),
});
export type StaleInventoryRead = z.infer<typeof staleInventoryRead>;

/** 503 for a read with no majority and nothing remembered young enough. */
export const inventoryUnavailableBody = z.object({
  error: z.string(),
  product_id: productId,
  retry_after_s: z.number().int().min(1),
  /** Age of the answer the gateway still has but may no longer serve, if any. */
  last_known_age_ms: z.number().int().min(0).nullable(),
});
export type InventoryUnavailableBody = z.infer<typeof inventoryUnavailableBody>;

/** 202 for POST /orders, as orders-svc says it, plus a note when the gateway knows inventory is out. */
export const orderAcceptedBody = z
  .object({ order_id: orderId, product_id: productId, quantity: z.number().int(), status: orderStatus })
  .passthrough();
export const orderAcceptedDuringOutage = orderAcceptedBody.extend({
  status: z.literal('PENDING'),
  note: z.string(),
});
export type OrderAcceptedDuringOutage = z.infer<typeof orderAcceptedDuringOutage>;

const breakerState = z.enum(['closed', 'open', 'half_open', 'isolated']);
const upstreamStats = z.object({
  breaker: breakerState,
  breaker_opens: z.number().int().min(0),
  in_flight: z.number().int().min(0),
  queued: z.number().int().min(0),
  max_in_flight: z.number().int().min(1),
});
const bucketPolicyBody = z.object({ rate_per_s: z.number().int().min(1), burst: z.number().int().min(0), burst_window_s: z.number().int().min(1) });
const perLimit = z.object({ read: z.number().int().min(0), order: z.number().int().min(0) });

/** GET /gateway/stats: the breakers per upstream and the rate limiter's state, for the dashboard. */
export const gatewayStatsResponse = z.object({
  instance: z.string(),
  upstreams: z.object({ voter: upstreamStats, orders: upstreamStats }),
  limits: z.object({ read: bucketPolicyBody, order: bucketPolicyBody }),
  /** 429s answered by this instance: over the last `window_ms`, and since it started. */
  limited: z.object({ window_ms: z.number().int().min(1), in_window: perLimit, total: perLimit }),
  /** The latest 429s within the window, newest first. */
  recent_limited: z.array(z.object({ at: z.string().datetime(), client: z.string(), limit: limitClass })),
  stale_cache_entries: z.number().int().min(0),
});
export type GatewayStatsResponse = z.infer<typeof gatewayStatsResponse>;
