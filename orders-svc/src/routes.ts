import { z } from 'zod';
import {
  counter,
  isFinalOrderStatus,
  createOrderRequest,
  gauge,
  orderId,
  orderStatus,
  requireAdminToken,
  restockRequest,
  validated,
  waitQuery,
  type Express,
  type OrderStatsResponse,
  type Registry,
  type RestockAccepted,
} from '@ftlab/shared';
import type { OrderStore } from './store';
import { orderView as view } from './view';
import type { DecisionWaiters } from './waiters';

const idempotencyKey = z.string().min(1).max(200).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');
const listQuery = z.object({ status: orderStatus.optional(), limit: z.coerce.number().int().min(1).max(1000).default(50) }).strict();


export function orderRoutes(app: Express, deps: { store: OrderStore; waiters: DecisionWaiters; registry: Registry; adminToken?: string }): void {
  const { store, waiters } = deps;
  const accepted = counter(deps.registry, 'orders_accepted_total', 'Orders accepted (202), by whether an idempotent retry replayed one', ['replayed']);
  const longPolls = gauge(deps.registry, 'orders_long_polls_waiting', 'GET /orders/:id?wait= requests waiting for a final status');

  app.post('/orders', async (req, res) => {
    const body = validated(res, createOrderRequest, req.body, 'body');
    if (body === undefined) return;
    const key = req.get('idempotency-key');
    if (key !== undefined && !idempotencyKey.safeParse(key).success) {
      return void res.status(400).json({ error: 'invalid header: Idempotency-Key: 1-200 printable ASCII characters', field: 'Idempotency-Key' });
    }
    const outcome = await store.create({ ...body, idempotency_key: key });
    if (outcome.kind === 'unknown_product') {
      return void res.status(404).json({ error: `unknown product ${body.product_id}`, field: 'product_id' });
    }
    if (outcome.kind === 'key_reused') {
      return void res.status(422).json({ error: 'Idempotency-Key was used for a different order', field: 'Idempotency-Key', order_id: outcome.order.order_id });
    }
    accepted.inc({ replayed: String(outcome.kind === 'replayed') });
    res
      .status(202)
      .location(`/orders/${outcome.order.order_id}`)
      .set('Idempotent-Replayed', String(outcome.kind === 'replayed'))
      .json(view(outcome.order));
  });

  app.get('/orders', async (req, res) => {
    const query = validated(res, listQuery, req.query, 'query');
    if (query === undefined) return;
    res.json({ orders: (await store.list(query.status, query.limit)).map((o) => view(o, o.notifications)) });
  });

  app.get('/orders/stats', async (_req, res) => {
    const body: OrderStatsResponse = { counts: await store.countsByStatus() };
    res.json(body);
  });

  app.get('/orders/:order_id', async (req, res) => {
    const id = validated(res, orderId, req.params.order_id, 'params');
    const query = validated(res, waitQuery, req.query, 'query');
    if (id === undefined || query === undefined) return;
    const waitMs = query.wait ?? 0;
    // Waits for the order's final status (CONFIRMED, REJECTED, CANCELLED), its payment included.
    // Register first, then read: a decision landing in between is not missed, and an order not
    // yet final costs one read before the wait and one after it (reads of one turn share a query).
    const waiter = waitMs > 0 ? waiters.wait(id, waitMs) : undefined;
    longPolls.set(waiters.size);
    let order = await store.get(id);
    if (waiter && order && !isFinalOrderStatus(order.status)) {
      if (await waiter.decided) order = await store.get(id);
    } else waiter?.cancel();
    longPolls.set(waiters.size);
    if (!order) return void res.status(404).json({ error: `unknown order ${id}`, field: 'order_id' });
    res.json({ ...view(order, order.notifications), results: order.results });
  });

  app.post('/orders/:order_id/cancel', async (req, res) => {
    const id = validated(res, orderId, req.params.order_id, 'params');
    if (id === undefined) return;
    const outcome = await store.cancel(id);
    if (outcome.kind === 'not_found') return void res.status(404).json({ error: `unknown order ${id}`, field: 'order_id' });
    if (outcome.kind === 'conflict') {
      return void res.status(409).json({ error: `order is ${outcome.order.status} and cannot be cancelled`, field: 'order_id', status: outcome.order.status });
    }
    res.status(202).json(view(outcome.order));
  });

  app.post('/admin/restock', requireAdminToken(deps.adminToken), async (req, res) => {
    const body = validated(res, restockRequest, req.body, 'body');
    if (body === undefined) return;
    const eventId = await store.restock(body.product_id, body.quantity, body.unit_price_cents);
    const accepted: RestockAccepted = { ...body, event_id: eventId };
    res.status(202).json(accepted);
  });
}
