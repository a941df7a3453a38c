import { z } from 'zod';
import { failureCause, instanceId, logPosition, productId, quantity } from './events';

/** HTTP request and response contracts shared by the services and the tools that call them. */

export const createOrderRequest = z.object({ product_id: productId, quantity }).strict();
export type CreateOrderRequest = z.infer<typeof createOrderRequest>;

export const orderStatus = z.enum(['PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED']);
export type OrderStatus = z.infer<typeof orderStatus>;

export const restockRequest = z.object({ product_id: productId, quantity: z.number().int().min(1).max(1_000_000) }).strict();

/** One replica's view of one product, as served by inventory-svc and compared by the voter. */
export const stockView = z.object({
  product_id: productId,
  available_quantity: z.number().int(),
  reserved_quantity: z.number().int(),
  position: logPosition,
});
export type StockView = z.infer<typeof stockView>;

export const replicaStockResponse = stockView.extend({ instance_id: instanceId });
export type ReplicaStockResponse = z.infer<typeof replicaStockResponse>;

export const replicaStockListResponse = z.object({
  instance_id: instanceId,
  products: z.array(stockView),
});

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
