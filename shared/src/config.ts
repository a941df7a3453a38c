/**
 * The one place for ports, topic names, replica ids and defaults. Every service and tool reads
 * these instead of repeating literals, so changing a port or a topic is a one-line change.
 */

export const REPLICA_IDS = ['1', '2', '3'] as const;
export type ReplicaId = (typeof REPLICA_IDS)[number];

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:9092';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/ftlab';

/**
 * Products created by StockSet events on first start, so a replica rebuilt from the log reaches the
 * same state. The price is orders-svc's catalogue (not the log's): an order's amount is the unit
 * price when it was accepted × its quantity.
 */
export const SEED_PRODUCTS: ReadonlyArray<{ product_id: string; quantity: number; unit_price_cents: number }> = [
  { product_id: 'PROD-001', quantity: 1000, unit_price_cents: 1999 },
  { product_id: 'PROD-002', quantity: 500, unit_price_cents: 4999 },
  { product_id: 'PROD-003', quantity: 750, unit_price_cents: 999 },
];

/** The price of a product that enters the catalogue by a restock that names none. */
export const DEFAULT_UNIT_PRICE_CENTS = 1000;
/** Every amount is in this currency. */
export const CURRENCY = 'EUR' as const;

export interface Topics {
  /** Orders, cancellations and stock changes, keyed by product_id: the replicated log. */
  orderEvents: string;
  /** One result per order event per replica. */
  replicaResults: string;
  /** Reports of a replica that answered differently from the majority. */
  replicaErrors: string;
  /** Events that failed validation, with the reason. */
  deadLetters: string;
  /** The saga's requests to payment-svc (an order reserved, an order withdrawn by its client), keyed by order_id. */
  orderSaga: string;
  /** payment-svc's outcome of each order's payment, keyed by order_id. */
  paymentResults: string;
  /** Each order's final status (CONFIRMED, REJECTED, CANCELLED), keyed by order_id: what notification-svc mails. */
  orderOutcomes: string;
}

export function topicNames(prefix = ''): Topics {
  return {
    orderEvents: `${prefix}order-events`,
    replicaResults: `${prefix}replica-results`,
    replicaErrors: `${prefix}replica-errors`,
    deadLetters: `${prefix}dead-letters`,
    orderSaga: `${prefix}order-saga`,
    paymentResults: `${prefix}payment-results`,
    orderOutcomes: `${prefix}order-outcomes`,
  };
}

export const TOPIC_PARTITIONS = 6;

/** payment-svc: charges RESERVED orders through the payment gateway. */
export const DEFAULT_PAYMENT_SVC_PORT = 5007;
/** notification-svc: mails each order's outcome. */
export const DEFAULT_NOTIFICATION_SVC_PORT = 5008;

/** Simulators of the outside world (externals/): a payment provider and a mail catcher (Mailpit's ports). */
export const DEFAULT_PAYMENT_GATEWAY_PORT = 5010;
export const DEFAULT_MAIL_SINK_SMTP_PORT = 1025;
export const DEFAULT_MAIL_SINK_HTTP_PORT = 8025;
/**
 * The gateway (gateway-svc): its port and the defaults of its policies, each overridable by the
 * GATEWAY_* variable named beside it. Rates are per client (X-Client-Id, else the address).
 */
export const GATEWAY_DEFAULTS = {
  port: 5000,
  /** Reads (GET): GATEWAY_READ_RATE_PER_S sustained, plus GATEWAY_READ_BURST extra per burst window. */
  readRatePerS: 100,
  readBurst: 200,
  /** Order creation and other writes (POST): GATEWAY_ORDER_RATE_PER_S, GATEWAY_ORDER_BURST. */
  orderRatePerS: 20,
  orderBurst: 40,
  /** GATEWAY_BURST_WINDOW_S: how often the burst allowance is refilled. */
  burstWindowS: 10,
  /** In flight to each upstream (GATEWAY_VOTER_MAX_IN_FLIGHT, GATEWAY_ORDERS_MAX_IN_FLIGHT) and queued behind them. */
  voterMaxInFlight: 32,
  ordersMaxInFlight: 64,
  bulkheadQueue: 16,
  /** GATEWAY_VOTER_TIMEOUT_MS: above the voter's own read deadline (1 s plus one 300 ms round). */
  voterTimeoutMs: 2000,
  ordersTimeoutMs: 2000,
  /** Breaker: open at this failure ratio over the window (seed 000: 50 %), with at least this many calls a second. */
  breakerThreshold: 0.5,
  breakerWindowMs: 10_000,
  breakerMinimumRps: 0.5,
  /** GATEWAY_BREAKER_HALF_OPEN_MS: see the gateway section of the README for why not the seed's 15 s. */
  breakerHalfOpenMs: 1000,
  /** STALE_MAX_MS: how old a remembered majority answer may be and still be served (seed 000: 60 s). */
  staleMaxMs: 60_000,
} as const;
