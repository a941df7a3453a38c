import { z } from 'zod';
import { failureCause, instanceId, logPosition, productId, quantity } from './events';

/** HTTP request and response contracts shared by the services and the tools that call them. */

export const createOrderRequest = z.object({ product_id: productId, quantity }).strict();
export type CreateOrderRequest = z.infer<typeof createOrderRequest>;

/**
 * PENDING until two replicas agree; RESERVED while its payment runs (the saga); then final:
 * CONFIRMED (paid), REJECTED (no stock) or CANCELLED (payment failed, or the client cancelled).
 */
export const orderStatus = z.enum(['PENDING', 'RESERVED', 'CONFIRMED', 'REJECTED', 'CANCELLED']);
export type OrderStatus = z.infer<typeof orderStatus>;
/** The statuses a client's order ends in: a long poll waits for one of these. */
export const FINAL_ORDER_STATUSES: readonly OrderStatus[] = ['CONFIRMED', 'REJECTED', 'CANCELLED'];
export const isFinalOrderStatus = (s: OrderStatus) => FINAL_ORDER_STATUSES.includes(s);

/**
 * A unit price in cents (CURRENCY). At most 1000.00, so that price × the largest order quantity
 * stays within what one charge may be (paymentGateway.amountCents).
 */
export const unitPriceCents = z.number().int().min(1).max(100_000);

/**
 * A restock adds units, and enters the product into the catalogue if it is new. `unit_price_cents`
 * sets the product's price from now on (orders accepted before keep theirs); a new product
 * restocked without one costs DEFAULT_UNIT_PRICE_CENTS.
 */
export const restockRequest = z
  .object({ product_id: productId, quantity: z.number().int().min(1).max(1_000_000), unit_price_cents: unitPriceCents.optional() })
  .strict();
/** POST /admin/restock answers 202 with the restock and the id of its event in the log. */
export const restockAccepted = restockRequest.extend({ event_id: z.string() });
export type RestockAccepted = z.infer<typeof restockAccepted>;

/** One replica's view of one product, as served by inventory-svc and compared by the voter. */
export const stockView = z.object({
  product_id: productId,
  available_quantity: z.number().int(),
  reserved_quantity: z.number().int(),
  position: logPosition,
  /**
   * false when the replica has not heard from the log (broker) for a while: the value is still
   * the state of the log at `position`, but the log may have moved on since. Absent otherwise.
   */
  log_reachable: z.boolean().optional(),
  /**
   * Asked for with `?history=1`: the product's value after each of its latest changes, oldest
   * first, at the offsets (in `position.partition`) of the events that made them; the last one is
   * the current value. With it the voter can tell what a replica that is further on held at an
   * earlier position (see voter-svc/src/vote.ts).
   */
  history: z.array(z.object({ offset: z.number().int().min(0), available_quantity: z.number().int(), reserved_quantity: z.number().int() })).max(256).optional(),
});
export type StockView = z.infer<typeof stockView>;
export type StockChange = NonNullable<StockView['history']>[number];

/** GET /inventory/:product_id's query: `history=1` adds the product's latest changes to the answer. */
export const stockQuery = z.object({ history: z.enum(['0', '1']).optional() }).strict();

export const replicaStockResponse = stockView.extend({ instance_id: instanceId });
export type ReplicaStockResponse = z.infer<typeof replicaStockResponse>;

export const replicaStockListResponse = z.object({
  instance_id: instanceId,
  products: z.array(stockView),
});

/**
 * What a replica's /health says of itself (inventory-svc/src/readiness.ts decides it): 200 when
 * `ready`, 503 otherwise. The monitor reads `status` to tell a replica behind the log from a failing one.
 */
export const replicaReadiness = z.enum(['starting', 'fenced', 'catching_up', 'ready']);
export type ReplicaReadiness = z.infer<typeof replicaReadiness>;
export const replicaHealthReport = z.object({ instance_id: instanceId, status: replicaReadiness }).passthrough();

/** Faults a replica can be told to simulate (POST /admin/faults). */
export const faultRequest = z.discriminatedUnion('type', [
  z.object({ type: z.literal('crash') }).strict(),
  z.object({ type: z.literal('latency'), latency_ms: z.number().int().min(1).max(60_000) }).strict(),
  z.object({ type: z.literal('intermittent'), probability: z.number().min(0).max(1) }).strict(),
  z.object({ type: z.literal('incorrect'), product_id: productId }).strict(),
  z.object({ type: z.literal('clear') }).strict(),
]);
export type FaultRequest = z.infer<typeof faultRequest>;
export type ActiveFault = Exclude<FaultRequest, { type: 'clear' | 'crash' }>;

export const waitQuery = z.object({ wait: z.coerce.number().int().min(0).max(10_000).optional() }).strict();

export const instanceStatus = z.enum(['ON', 'OFF']);
export type InstanceStatus = z.infer<typeof instanceStatus>;

/** Postgres NOTIFY channel on which the monitor announces every status change. */
export const STATUS_CHANNEL = 'instance_status';

export const statusChange = z.object({
  instance_id: instanceId,
  status: instanceStatus,
  cause: failureCause.nullable(),
  since: z.string(),
});
export type StatusChange = z.infer<typeof statusChange>;

// ---- read-side bodies: the services answer with these, the dashboard and the tools parse them ----

/** A point in time on the wire: ISO 8601 in UTC, as Date.toISOString() writes it. */
export const isoTime = z.string().datetime();

/** One replica as the monitor sees it (GET /status of monitor-svc, and the dashboard's snapshot). */
export const monitoredInstance = z.object({
  instance_id: instanceId,
  url: z.string(),
  status: instanceStatus,
  since: isoTime.nullable(),
  cause: failureCause.nullable(),
  quarantined: z.boolean(),
  last_probe_at: isoTime.nullable(),
  last_probe_ok: z.boolean().nullable(),
  last_probe_latency_ms: z.number().nullable(),
  probe_timeout_ms: z.number().nullable(),
  consecutive_failures: z.number().int(),
  consecutive_successes: z.number().int(),
  probes_total: z.number().int(),
  probe_failures_total: z.number().int(),
  /**
   * This monitor's own detector's status. `status`, `since` and `cause` are the recorded ones (the
   * leader's) in GET /status, so any monitor answers the system's truth; they fall back to this
   * monitor's view when the database does not answer. Optional only for readers of older monitors.
   */
  own_status: instanceStatus.optional(),
});
export type MonitoredInstance = z.infer<typeof monitoredInstance>;

/**
 * Which monitor answered and which one leads: two monitors probe, only the leader records
 * transitions. `leader` is the last one to take the lead as the database has it (null before any).
 */
export const monitorLeadership = z.object({
  instance: z.string(),
  role: z.enum(['leader', 'follower']),
  leader: z.string().nullable(),
  term: z.number().int().nullable(),
  leader_since: isoTime.nullable(),
});
export type MonitorLeadership = z.infer<typeof monitorLeadership>;

/**
 * GET /status of monitor-svc: each monitor's own view of the replicas (a follower's may differ from
 * the recorded one until it leads). `detector` is its detection settings, whose shape monitor-svc's
 * detector owns. `monitor` is optional only so that readers of a single pre-election monitor still parse.
 */
export const monitorStatusResponse = z.object({ monitor: monitorLeadership.optional(), instances: z.array(monitoredInstance), detector: z.record(z.unknown()) });
export type MonitorStatusResponse = z.infer<typeof monitorStatusResponse>;

/** One row of the failure audit: a replica marked OFF, with time to detect and, once ON again, to recover. */
export const failureRecord = z.object({
  id: z.number().int(),
  instance_id: instanceId,
  cause: failureCause,
  detail: z.string().nullable(),
  /** The injected fault this failure is linked to, if any. */
  fault_id: z.number().int().nullable(),
  fault_type: z.string().nullable(),
  started_at: isoTime,
  detected_at: isoTime,
  resolved_at: isoTime.nullable(),
  ttd_ms: z.number(),
  ttr_ms: z.number().nullable(),
});
export type FailureRecord = z.infer<typeof failureRecord>;

/** GET /failures of monitor-svc, newest first. */
export const failuresResponse = z.object({ failures: z.array(failureRecord) });
export type FailuresResponse = z.infer<typeof failuresResponse>;

const perReplica = z.record(instanceId, z.number().int());
const latencyMs = z.number().nullable();

/** GET /voting-stats of voter-svc: what its reads came to since it started, and recent read latency. */
export const votingStatsResponse = z.object({
  requests_total: z.number().int(),
  quorum_achieved: z.number().int(),
  quorum_failed: z.number().int(),
  not_found: z.number().int(),
  /** null before the first read. */
  quorum_rate: z.number().nullable(),
  /** Reads where some replica answered differently from the majority (outlier or lagging). */
  disagreements: z.number().int(),
  retries: z.number().int(),
  outliers: perReplica,
  lagging: perReplica,
  failures: perReplica,
  latency_ms: z.object({ window_s: z.number(), count: z.number().int(), p50: latencyMs, p95: latencyMs, p99: latencyMs, max: latencyMs }),
  /** Which replicas the voter asks, as the monitor last announced (UNKNOWN: never judged yet). */
  membership: z.record(instanceId, z.enum(['ON', 'OFF', 'UNKNOWN'])),
});
export type VotingStatsResponse = z.infer<typeof votingStatsResponse>;

/** GET /orders/stats of orders-svc: how many orders are in each status (every status, 0 included). */
export const orderStatsResponse = z.object({ counts: z.record(orderStatus, z.number().int()) });
export type OrderStatsResponse = z.infer<typeof orderStatsResponse>;

// ---- the saga's read side: an order's payment and email, payment-svc's and notification-svc's stats ----

/**
 * An order's payment as payment-svc last reported it: `charging` while RESERVED, then captured or
 * failed with how many attempts it took, the last error (a timeout, a 5xx, the breaker open) and
 * the gateway's charge id. All null before the order is reserved (and for REJECTED orders).
 */
export const orderPayment = z.object({
  status: z.enum(['charging', 'captured', 'failed']).nullable(),
  attempts: z.number().int().nullable(),
  last_error: z.string().nullable(),
  charge_id: z.string().nullable(),
});
export type OrderPayment = z.infer<typeof orderPayment>;

/**
 * The email of an order's final outcome, as notification-svc recorded it: `none` while the order
 * is not final (no email is due), `pending` until the mail server took it (`attempts` failed tries
 * so far, the last one's error), `sent` once it did.
 */
export const notificationStatus = z.enum(['none', 'pending', 'sent']);
export const orderNotification = z.object({
  status: notificationStatus,
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  sent_at: isoTime.nullable(),
});
export type OrderNotification = z.infer<typeof orderNotification>;

/** An order as orders-svc answers it (POST /orders, GET /orders, GET /orders/:id, cancel). */
export const orderView = z.object({
  order_id: z.string().uuid(),
  product_id: productId,
  quantity,
  amount_cents: z.number().int().nullable(),
  currency: z.string(),
  status: orderStatus,
  reason: z.string().nullable(),
  created_at: isoTime,
  reserved_at: isoTime.nullable(),
  decided_at: isoTime.nullable(),
  payment: orderPayment,
  notification: orderNotification,
});
export type OrderView = z.infer<typeof orderView>;

/** The payment breaker's state (cockatiel's, named): payment-svc's /payments/stats and its gauge payment_breaker_state 0-3. */
export const breakerState = z.enum(['closed', 'open', 'half_open', 'isolated']);
export type BreakerState = z.infer<typeof breakerState>;

/** GET /payments/stats of payment-svc. */
export const paymentStatsResponse = z.object({
  breaker: breakerState,
  /** Times the breaker opened since this process started. */
  breaker_opens: z.number().int(),
  /** The payment deadline from RESERVED (PAYMENT_DEADLINE_MS): by then an order is CONFIRMED or CANCELLED. */
  deadline_ms: z.number().int(),
  /** Payments being charged (all processes), and settled ones whose charge is still to be looked up or refunded. */
  charging: z.number().int(),
  to_check: z.number().int(),
});
export type PaymentStatsResponse = z.infer<typeof paymentStatsResponse>;

/** GET /notifications/stats of notification-svc: outcome emails not yet taken by the mail server. */
export const notificationStatsResponse = z.object({ pending: z.number().int() });
export type NotificationStatsResponse = z.infer<typeof notificationStatsResponse>;

// ---- the fault API of each replica (GET and POST /admin/faults of inventory-svc) ----

/** GET /admin/faults: the fault the replica simulates now, if any (a crash is never current: the process is gone). */
export const currentFaultResponse = z.object({ instance_id: instanceId, fault: faultRequest.nullable() });
export type CurrentFaultResponse = z.infer<typeof currentFaultResponse>;

/**
 * POST /admin/faults: a clear answers the current fault (null); an injection answers 201 (202 for
 * a crash, which follows the answer) with the fault's id in the fault log and when it began.
 */
export const faultChangeResponse = z.union([
  z.object({ instance_id: instanceId, fault: faultRequest, fault_id: z.string(), injected_at: isoTime }),
  currentFaultResponse,
]);
export type FaultChangeResponse = z.infer<typeof faultChangeResponse>;
