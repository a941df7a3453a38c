import { z } from 'zod';
import { REPLICA_IDS } from './config';

/**
 * Every event that crosses Kafka, defined once. Producers build events through these schemas and
 * consumers parse with them; anything that does not parse goes to the dead-letter topic.
 * `v` is the contract version: a consumer that sees an unknown version dead-letters it rather
 * than guessing.
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

// ---- the replicated log (topic orderEvents, keyed by product_id) ----

export const orderPlaced = z.object({
  v: z.literal(1),
  type: z.literal('OrderPlaced'),
  order_id: orderId,
  product_id: productId,
  quantity,
});
export const orderCancelled = z.object({
  v: z.literal(1),
  type: z.literal('OrderCancelled'),
  order_id: orderId,
  product_id: productId,
});
/** Sets a product's available stock (creating it): how the seed products enter the log. */
export const stockSet = z.object({
  v: z.literal(1),
  type: z.literal('StockSet'),
  event_id: z.string().uuid(),
  product_id: productId,
  quantity: z.number().int().min(0).max(1_000_000_000),
});
export const stockRestocked = z.object({
  v: z.literal(1),
  type: z.literal('StockRestocked'),
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

// ---- replica results (topic replicaResults, keyed by order_id) ----

export const outcome = z.enum(['RESERVED', 'REJECTED', 'RELEASED']);
export type Outcome = z.infer<typeof outcome>;
export const rejectReason = z.enum(['OUT_OF_STOCK', 'UNKNOWN_PRODUCT', 'DUPLICATE_ORDER']);
export type RejectReason = z.infer<typeof rejectReason>;

export const replicaResult = z.object({
  v: z.literal(1),
  type: z.literal('ReplicaResult'),
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

// ---- error reports (topic replicaErrors, keyed by instance_id) ----

export const failureCause = z.enum(['crash', 'timeout', 'http_error', 'incorrect_response']);
export type FailureCause = z.infer<typeof failureCause>;

export const replicaErrorReport = z.object({
  v: z.literal(1),
  type: z.literal('ReplicaErrorReport'),
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

// ---- dead letters ----

export const deadLetter = z.object({
  v: z.literal(1),
  type: z.literal('DeadLetter'),
  source_topic: z.string(),
  partition: z.number().int(),
  offset: z.string(),
  consumer: z.string(),
  reason: z.string(),
  raw: z.string().nullable(),
});
export type DeadLetter = z.infer<typeof deadLetter>;

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
  return {
    v: 1,
    type: 'DeadLetter',
    source_topic: topic,
    partition,
    offset: message.offset,
    consumer,
    reason,
    raw: message.value ? message.value.toString('utf8').slice(0, 10_000) : null,
  };
}
