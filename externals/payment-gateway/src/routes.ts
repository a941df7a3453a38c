import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import {
  check,
  counter,
  gauge,
  paymentGateway as api,
  requireAdminToken,
  validated,
  type Express,
  type Logger,
  type Registry,
  type RequestHandler,
  type Response,
} from '@ftlab/shared';
import { callEffect, type CallEffect } from './faults';
import type { GatewayStore, Stored } from './store';

/** The fault now in force; it lives in memory only, so a restarted gateway is healthy again. */
export class FaultSwitch {
  current: api.GatewayFault | null = null;
}

const RETRY_AFTER_SECONDS = '1';
const keyHeader = z.object({ [api.IDEMPOTENCY_KEY_HEADER]: api.idempotencyKey });
const chargeIdParam = z.string().regex(/^ch_\w+$/, 'a charge id (ch_…)');

function unavailable(res: Response, error: string): void {
  res.set('Retry-After', RETRY_AFTER_SECONDS).status(503).json({ error, code: 'unavailable' });
}

/** How the injected faults changed calls, counted as they happen. */
type EffectCounter = ReturnType<typeof counter>;

/**
 * Decides each API call's fault effect up front and refuses it at once if so; the handler does
 * the work and answers through an `Answers`, which applies the rest of the effect.
 */
function faultGate(faults: FaultSwitch, baseLatencyMs: number, effects: EffectCounter): RequestHandler {
  return (_req, res, next) => {
    const effect = callEffect(faults.current, baseLatencyMs, Math.random);
    if (effect.refuse) {
      effects.inc({ effect: 'refused' });
      return unavailable(res, 'injected fault: the gateway is unavailable');
    }
    res.locals.effect = effect;
    next();
  };
}

function idempotencyKeyOf(res: Response, headers: Record<string, unknown>): string | undefined {
  const result = check(keyHeader, { [api.IDEMPOTENCY_KEY_HEADER]: headers[api.IDEMPOTENCY_KEY_HEADER] }, 'headers');
  if (result.ok) return result.value[api.IDEMPOTENCY_KEY_HEADER];
  res.status(400).json(result.body);
  return undefined;
}

/** Answers after the work: late under a latency fault, or 500 when the fault loses the answer. */
class Answers {
  constructor(
    private readonly effects: EffectCounter,
    private readonly baseLatencyMs: number,
  ) {}

  async deliver(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): Promise<void> {
    const effect = res.locals.effect as CallEffect;
    if (effect.delayMs > this.baseLatencyMs) this.effects.inc({ effect: 'delayed' });
    if (effect.delayMs > 0) await sleep(effect.delayMs);
    if (effect.failAfterWork) {
      this.effects.inc({ effect: 'failed_after_work' });
      return void res.status(500).json({ error: 'injected fault: internal error after the work was done', code: 'api_error' });
    }
    res.set(headers).status(status).json(body);
  }

  /** A stored result: 201 (a replay says so in a header, as providers do) or 422 for a reused key. */
  stored<T>(res: Response, stored: Stored<T>): Promise<void> {
    if ('conflict' in stored) {
      return this.deliver(res, 422, {
        error: `Idempotency-Key was used before with a different ${stored.conflict}`,
        code: 'idempotency_key_reused',
        field: stored.conflict,
      });
    }
    return this.deliver(res, 201, stored.value, stored.replayed ? { 'Idempotent-Replayed': 'true' } : {});
  }
}

/**
 * The store failing (database down) is the gateway being unavailable: 503, never 500, so a client
 * knows to try again with the same key.
 */
function guarded(logger: Logger, handler: RequestHandler): RequestHandler {
  return async (req, res, next) => {
    try {
      await handler(req, res, next);
    } catch (err) {
      logger.warn({ err: (err as Error).message, path: req.path }, 'ledger unavailable');
      if (!res.headersSent) unavailable(res, 'the ledger is unavailable');
    }
  };
}

export function gatewayRoutes(
  app: Express,
  deps: { store: GatewayStore; faults: FaultSwitch; baseLatencyMs: number; registry: Registry; logger: Logger },
): void {
  const { store, logger } = deps;
  const charges = counter(deps.registry, 'gateway_charges_total', 'Charge requests by outcome', ['outcome']);
  const refunds = counter(deps.registry, 'gateway_refunds_total', 'Refund requests by outcome', ['outcome']);
  const effects = counter(deps.registry, 'gateway_fault_effects_total', 'API calls changed by an injected fault: refused (503), delayed, failed_after_work (500)', ['effect']);
  const gate = faultGate(deps.faults, deps.baseLatencyMs, effects);
  const answers = new Answers(effects, deps.baseLatencyMs);

  app.post('/charges', gate, guarded(logger, async (req, res) => {
    const key = idempotencyKeyOf(res, req.headers);
    if (key === undefined) return;
    const request = validated(res, api.chargeRequest, req.body, 'body');
    if (request === undefined) return;
    const stored = await store.charge(key, request, (res.locals.effect as CallEffect).decline);
    charges.inc({ outcome: 'conflict' in stored ? 'key_conflict' : stored.replayed ? 'replayed' : stored.value.status });
    await answers.stored(res, stored);
  }));

  app.get('/charges', gate, guarded(logger, async (req, res) => {
    const query = validated(res, api.chargeLookupQuery, req.query, 'query');
    if (query === undefined) return;
    const found = await store.chargeByKey(query.idempotency_key);
    await (found ? answers.deliver(res, 200, found) : answers.deliver(res, 404, { error: 'no charge with this idempotency key', code: 'resource_missing', field: 'idempotency_key' }));
  }));

  app.get('/charges/:id', gate, guarded(logger, async (req, res) => {
    const id = validated(res, chargeIdParam, req.params.id, 'params');
    if (id === undefined) return;
    const found = await store.chargeById(id);
    await (found ? answers.deliver(res, 200, found) : answers.deliver(res, 404, { error: `no charge ${id}`, code: 'resource_missing', field: 'id' }));
  }));

  app.post('/refunds', gate, guarded(logger, async (req, res) => {
    const key = idempotencyKeyOf(res, req.headers);
    if (key === undefined) return;
    const request = validated(res, api.refundRequest, req.body, 'body');
    if (request === undefined) return;
    const outcome = await store.refund(key, request);
    if ('missing' in outcome) {
      refunds.inc({ outcome: 'unknown_charge' });
      return answers.deliver(res, 404, { error: `no charge ${request.charge_id}`, code: 'resource_missing', field: 'charge_id' });
    }
    if ('ok' in outcome) {
      refunds.inc({ outcome: outcome.code });
      return answers.deliver(res, 422, { error: outcome.error, code: outcome.code, field: outcome.field });
    }
    refunds.inc({ outcome: 'conflict' in outcome ? 'key_conflict' : outcome.replayed ? 'replayed' : 'succeeded' });
    await answers.stored(res, outcome);
  }));

  // The lab's view of the books: not subject to faults, so a run can always be counted afterwards.
  app.get('/ledger', guarded(logger, async (req, res) => {
    const query = validated(res, api.ledgerQuery, req.query, 'query');
    if (query === undefined) return;
    res.json(await store.ledger(query.order_id));
  }));
}

export function faultRoutes(app: Express, deps: { adminToken?: string; faults: FaultSwitch; registry: Registry; logger: Logger }): void {
  const { faults, logger } = deps;
  const admin = requireAdminToken(deps.adminToken);
  const injected = counter(deps.registry, 'gateway_faults_injected_total', 'Faults set through /admin/faults, by type', ['type']);
  const active = gauge(deps.registry, 'gateway_fault_active', 'The injected fault in force (1), by type', ['type']);
  app.get('/admin/faults', admin, (_req, res) => {
    res.json({ fault: faults.current } satisfies api.GatewayFaultState);
  });
  app.post('/admin/faults', admin, (req, res) => {
    const fault = validated(res, api.gatewayFaultRequest, req.body, 'body');
    if (fault === undefined) return;
    faults.current = fault.type === 'clear' ? null : fault;
    injected.inc({ type: fault.type });
    active.reset();
    if (faults.current) active.set({ type: faults.current.type }, 1);
    logger.warn({ fault }, fault.type === 'clear' ? 'fault cleared' : 'fault injected');
    res.json({ fault: faults.current } satisfies api.GatewayFaultState);
  });
}
