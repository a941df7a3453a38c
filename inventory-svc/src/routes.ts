import { setTimeout as sleep } from 'node:timers/promises';
import {
  faultRequest,
  productId,
  requireAdminToken,
  stockQuery,
  validated,
  type ActiveFault,
  type CurrentFaultResponse,
  type Express,
  type FaultChangeResponse,
  type Logger,
  type ReplicaId,
  type RequestHandler,
  type Response,
} from '@ftlab/shared';
import { distort, requestEffect } from './faults';
import type { ReplicaView } from './replica-view';
import type { FaultLog } from './store';

/** The fault currently injected into this replica; a restart clears it (it lives only in memory). */
export class FaultSwitch {
  current: ActiveFault | null = null;
}

/** Applies the injected fault to /health and reads: they are what the monitor and the voter see. */
export function faultMiddleware(faults: FaultSwitch): RequestHandler {
  return async (req, res, next) => {
    if (req.path !== '/health' && !req.path.startsWith('/inventory')) return next();
    const effect = requestEffect(faults.current, Math.random);
    if (effect.delayMs > 0) await sleep(effect.delayMs);
    if (effect.fail) {
      res.status(500).json({ error: 'injected intermittent failure' });
      return;
    }
    next();
  };
}

/** The state reads are answered from, or why this process answers none (starting, or fenced: another process is the replica). */
export type Serving = { view: ReplicaView } | { unavailable: string };

export function inventoryRoutes(app: Express, deps: { instanceId: string; serving: () => Serving; faults: FaultSwitch }): void {
  const { instanceId, faults } = deps;
  const view = (res: Response): ReplicaView | undefined => {
    const serving = deps.serving();
    if ('view' in serving) return serving.view;
    res.status(503).set('Retry-After', '1').json({ error: serving.unavailable, instance_id: instanceId, retryable: true });
    return undefined;
  };
  app.get('/inventory', (_req, res) => {
    const v = view(res);
    if (v) res.json({ instance_id: instanceId, products: v.all().map((p) => distort(faults.current, p)) });
  });
  app.get('/inventory/:product_id', (req, res) => {
    const id = validated(res, productId, req.params.product_id, 'params');
    if (id === undefined) return;
    const query = validated(res, stockQuery, req.query, 'query');
    if (query === undefined) return;
    const v = view(res);
    if (!v) return;
    const stock = v.get(id, query.history === '1');
    if (!stock) return void res.status(404).json({ error: `unknown product ${id}`, field: 'product_id', instance_id: instanceId });
    res.json({ instance_id: instanceId, ...distort(faults.current, stock) });
  });
}

export function faultRoutes(app: Express, deps: { instanceId: ReplicaId; adminToken?: string; faults: FaultSwitch; log: FaultLog; logger: Logger }): void {
  const { instanceId, faults, log, logger } = deps;
  const admin = requireAdminToken(deps.adminToken);
  app.get('/admin/faults', admin, (_req, res) => {
    const body: CurrentFaultResponse = { instance_id: instanceId, fault: faults.current };
    res.json(body);
  });
  app.post('/admin/faults', admin, async (req, res) => {
    const fault = validated(res, faultRequest, req.body, 'body');
    if (fault === undefined) return;
    if (fault.type === 'clear') {
      faults.current = null;
      await log.cleared();
      logger.warn('fault cleared');
      const body: FaultChangeResponse = { instance_id: instanceId, fault: null };
      return void res.json(body);
    }
    const { id, injected_at } = await log.injected(fault.type, fault);
    logger.warn({ fault, fault_id: id }, 'fault injected');
    const body: FaultChangeResponse = { instance_id: instanceId, fault, fault_id: id, injected_at: injected_at.toISOString() };
    if (fault.type === 'crash') {
      // Die like kill -9, at once and without any graceful shutdown, once the caller has its answer.
      res.status(202).json(body);
      res.on('finish', () => process.kill(process.pid, 'SIGKILL'));
      return;
    }
    faults.current = fault;
    res.status(201).json(body);
  });
}
