import { z } from 'zod';
import { REPLICA_IDS, type Topics } from './config';
import { currency } from './contracts/payment-gateway';

/**
 * Every event that crosses Kafka, defined once. Producers build events with the constructors below
 * (typed by these schemas) and consumers parse with the schemas; anything that does not parse goes
 * to the dead-letter topic. `v` is the contract version: a consumer that sees an unknown version
 * dead-letters it rather than guessing.
 */

export const productId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, "-" or "_" only');
export const orderId = z.string().uuid();
export const quantity = z.number().int().min(1).max(1000);
export const instanceId = z.enum(REPLICA_IDS);

/** Where in the log a replica's answer comes from: the last offset it applied in the product's partition. */
export const logPosition = z.object({ partition: z.number().int().min(0), offset: z.number().int().min(-1) });
export type LogPosition = z.infer<typeof logPosition>;

/** An event's schema: its own fields after the contract version and the type name every event carries. */
function eventSchema<T extends string, F extends z.ZodRawShape>(type: T, fields: F) {
  return z.object({ v: z.literal(1), type: z.literal(type) }).extend(fields);
}

/** An event's fields as its producer names them: the version and type are the constructor's. */
export type EventFields<E extends { v: 1; type: string }> = Omit<E, 'v' | 'type'>;

/**
 * The constructor of one event type. Producers build every event through one, so the compiler
 * holds them to the schema their consumers parse with. Nothing is parsed here at run time: the
 * fields come from input already parsed with the same field schemas (HTTP bodies, log events), and
 * a throw in a producer would stop a consumer where a dead letter only skips an event.
 */
function constructorOf<E extends { v: 1; type: string }>(type: E['type']): (fields: EventFields<E>) => E {
  return (fields) => ({ v: 1, type, ...fields }) as E;
}

/** What was ordered: the fields every event about one order's line carries. */
const orderLine = { order_id: orderId, product_id: productId, quantity };
/** What an order costs, in cents of its currency: unit price × quantity when it was accepted. */
const amountCents = z.number().int().min(1);

// ---- the replicated log (topic orderEvents, keyed by product_id) ----

export const orderPlaced = eventSchema('OrderPlaced', orderLine);
export const orderCancelled = eventSchema('OrderCancelled', { order_id: orderId, product_id: productId });
/** Sets a product's available stock (creating it): how the seed products enter the log. */
export const stockSet = eventSchema('StockSet', {
  event_id: z.string().uuid(),
  product_id: productId,
  quantity: z.number().int().min(0).max(1_000_000_000),
});
export const stockRestocked = eventSchema('StockRestocked', {
  event_id: z.string().uuid(),
  product_id: productId,
  quantity: z.number().int().min(1).max(1_000_000_000),
});
export const inventoryEvent = z.discriminatedUnion('type', [orderPlaced, orderCancelled, stockSet, stockRestocked]);
export type OrderPlaced = z.infer<typeof orderPlaced>;
export type OrderCancelled = z.infer<typeof orderCancelled>;
export type StockSet = z.infer<typeof stockSet>;
export type StockRestocked = z.infer<typeof stockRestocked>;
export type InventoryEvent = z.infer<typeof inventoryEvent>;
export const orderPlacedEvent = constructorOf<OrderPlaced>('OrderPlaced');
export const orderCancelledEvent = constructorOf<OrderCancelled>('OrderCancelled');
export const stockSetEvent = constructorOf<StockSet>('StockSet');
export const stockRestockedEvent = constructorOf<StockRestocked>('StockRestocked');

// ---- replica results (topic replicaResults, keyed by order_id) ----

export const outcome = z.enum(['RESERVED', 'REJECTED', 'RELEASED']);
export type Outcome = z.infer<typeof outcome>;
export const rejectReason = z.enum(['OUT_OF_STOCK', 'UNKNOWN_PRODUCT', 'DUPLICATE_ORDER']);
export type RejectReason = z.infer<typeof rejectReason>;

export const replicaResult = eventSchema('ReplicaResult', {
  order_id: orderId,
  product_id: productId,
  instance_id: instanceId,
  outcome,
  reason: rejectReason.optional(),
  available_quantity: z.number().int(),
  reserved_quantity: z.number().int(),
  position: logPosition,
});
export type ReplicaResult = z.infer<typeof replicaResult>;
export const replicaResultEvent = constructorOf<ReplicaResult>('ReplicaResult');

// ---- the order saga (topic orderSaga, keyed by order_id): orders-svc → payment-svc ----

/**
 * Two replicas reserved the order's stock: payment-svc charges `amount_cents`, and has until
 * `reserved_at` + its payment deadline to get an answer.
 */
export const orderReserved = eventSchema('OrderReserved', {
  ...orderLine,
  amount_cents: amountCents,
  currency,
  reserved_at: z.string().datetime(),
});
/** The client cancelled an order after its reservation: no charge may be kept for it. */
export const orderWithdrawn = eventSchema('OrderWithdrawn', { order_id: orderId });
export const sagaEvent = z.discriminatedUnion('type', [orderReserved, orderWithdrawn]);
export type OrderReserved = z.infer<typeof orderReserved>;
export type OrderWithdrawn = z.infer<typeof orderWithdrawn>;
export type SagaEvent = z.infer<typeof sagaEvent>;
export const orderReservedEvent = constructorOf<OrderReserved>('OrderReserved');
export const orderWithdrawnEvent = constructorOf<OrderWithdrawn>('OrderWithdrawn');

// ---- payment outcomes (topic paymentResults, keyed by order_id): payment-svc → orders-svc ----

/** Why an order's payment failed: the gateway said no, or gave no answer before the deadline. */
export const paymentFailure = z.enum(['payment_declined', 'payment_unavailable']);
export type PaymentFailure = z.infer<typeof paymentFailure>;

/** The end of an order's payment: captured (charge_id set), or failed with a reason. */
export const paymentSettled = eventSchema('PaymentSettled', {
  order_id: orderId,
  outcome: z.enum(['captured', 'failed']),
  reason: paymentFailure.nullable(),
  charge_id: z.string().max(128).nullable(),
  attempts: z.number().int().min(0),
  last_error: z.string().max(500).nullable(),
});
export type PaymentSettled = z.infer<typeof paymentSettled>;
export const paymentSettledEvent = constructorOf<PaymentSettled>('PaymentSettled');

// ---- final outcomes (topic orderOutcomes, keyed by order_id): orders-svc → notification-svc ----

/** An order reached its final status: what its customer is told. */
export const orderFinalized = eventSchema('OrderFinalized', {
  ...orderLine,
  amount_cents: amountCents.nullable(),
  currency,
  status: z.enum(['CONFIRMED', 'REJECTED', 'CANCELLED']),
  reason: z.string().max(200).nullable(),
  decided_at: z.string().datetime(),
});
export type OrderFinalized = z.infer<typeof orderFinalized>;
export const orderFinalizedEvent = constructorOf<OrderFinalized>('OrderFinalized');

// ---- error reports (topic replicaErrors, keyed by instance_id) ----

export const failureCause = z.enum(['crash', 'timeout', 'http_error', 'incorrect_response']);
export type FailureCause = z.infer<typeof failureCause>;

export const replicaErrorReport = eventSchema('ReplicaErrorReport', {
  instance_id: instanceId,
  cause: failureCause,
  reporter: z.string().min(1).max(64),
  product_id: productId.optional(),
  order_id: orderId.optional(),
  position: logPosition.optional(),
  expected: z.unknown().optional(),
  actual: z.unknown().optional(),
  detail: z.string().max(2000),
});
export type ReplicaErrorReport = z.infer<typeof replicaErrorReport>;
export const replicaErrorReportEvent = constructorOf<ReplicaErrorReport>('ReplicaErrorReport');

// ---- dead letters ----

export const deadLetter = eventSchema('DeadLetter', {
  source_topic: z.string(),
  partition: z.number().int(),
  offset: z.string(),
  consumer: z.string(),
  reason: z.string(),
  raw: z.string().nullable(),
});
export type DeadLetter = z.infer<typeof deadLetter>;
const deadLetterEvent = constructorOf<DeadLetter>('DeadLetter');

// ---- which events each topic carries, and what they are keyed by ----

/** The event type of each topic: a producer can only put on a topic what its consumers parse. */
export interface TopicEvents {
  orderEvents: InventoryEvent;
  replicaResults: ReplicaResult;
  replicaErrors: ReplicaErrorReport;
  deadLetters: DeadLetter;
  orderSaga: SagaEvent;
  paymentResults: PaymentSettled;
  orderOutcomes: OrderFinalized;
}
export type TopicKey = keyof Topics & keyof TopicEvents;

/**
 * The message key of each topic's events. Order events are keyed by product so that one product's
 * events stay in one partition, in order: every replica applies them in the same order.
 */
const messageKeyOf: { [K in TopicKey]: (event: TopicEvents[K]) => string } = {
  orderEvents: (e) => e.product_id,
  replicaResults: (e) => e.order_id,
  replicaErrors: (e) => e.instance_id,
  deadLetters: (e) => e.source_topic,
  orderSaga: (e) => e.order_id,
  paymentResults: (e) => e.order_id,
  orderOutcomes: (e) => e.order_id,
};

export function messageKey<K extends TopicKey>(topic: K, event: TopicEvents[K]): string {
  return messageKeyOf[topic](event);
}

export type Decoded<T> = { ok: true; event: T } | { ok: false; reason: string };

/** Parses a Kafka message value against a contract; never throws, so a bad event cannot stop a consumer. */
export function decodeEvent<T>(schema: z.ZodType<T>, value: Buffer | null): Decoded<T> {
  if (value === null) return { ok: false, reason: 'empty message value' };
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'value is not JSON' };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    return { ok: false, reason: issues.join('; ') };
  }
  return { ok: true, event: parsed.data };
}

/** The dead letter for a message that did not parse: where it came from, why, and its raw text. */
export function deadLetterOf(
  topic: string,
  consumer: string,
  partition: number,
  message: { offset: string; value: Buffer | null },
  reason: string,
): DeadLetter {
  return deadLetterEvent({
    source_topic: topic,
    partition,
    offset: message.offset,
    consumer,
    reason,
    raw: message.value ? message.value.toString('utf8').slice(0, 10_000) : null,
  });
}
