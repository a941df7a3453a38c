import { z } from 'zod';
import {
  counter,
  gatewayStatsResponse,
  productId,
  stockView,
  upstreamUnavailableBody,
  validated,
  type Express,
  type LimitClass,
  type Logger,
  type Registry,
  type Request,
  type RequestHandler,
  type Response,
} from '@ftlab/shared';
import { answerWithoutMajority } from './inventory-read';
import { noteOrderAccepted } from './order-note';
import { upstreamOut } from './policies/breaker-state';
import { clientOf, limitClassOf, rateLimitHeaders, rateLimitedBody, retryAfterSeconds } from './rate-limit-policy';
import type { SharedRateLimiter } from './rate-limiter';
import { RecentRefusals } from './recent-refusals';
import type { StaleCache } from './stale-cache';
import type { Unavailable, Upstream, UpstreamCall, UpstreamName } from './upstream';
import type { UpstreamReply } from './upstream-error';

export interface GatewayDeps {
  limiter: SharedRateLimiter;
  upstreams: Record<UpstreamName, Upstream>;
  cache: StaleCache;
  staleMaxMs: number;
  /** How long an open breaker waits before its trial call: when a client may usefully retry. */
  breakerHalfOpenMs: number;
  registry: Registry;
  logger: Logger;
  /** Names this instance in /gateway/stats. */
  instance: string;
}

/** Headers of the client's request that orders-svc and voter-svc read. */
const FORWARDED = ['idempotency-key', 'accept'];
/** A long poll (GET /orders/:id?wait=ms) may take that long on top of the usual deadline. */
const longPoll = z.coerce.number().int().min(0).max(10_000).catch(0);

const REASON_TEXT: Record<Unavailable, string> = {
  bulkhead_full: 'too many requests already in flight to it',
  breaker_open: 'its circuit breaker is open after repeated failures',
  timeout: 'it did not answer in time',
  unreachable: 'it cannot be reached',
};

/**
 * The client-facing routes: `/orders…` to orders-svc and `/inventory…` to voter-svc with their
 * bodies and statuses as they are, behind a per-client rate limit; reads of one product fall
 * back to the last majority answer, and orders accepted while inventory is out say so.
 */
export function gatewayRoutes(app: Express, deps: GatewayDeps): void {
  const reads = counter(deps.registry, 'gateway_inventory_reads_total', 'Product reads by source: fresh (the voter), stale (remembered), unavailable (503)', ['source']);
  const outageOrders = counter(deps.registry, 'gateway_orders_accepted_during_outage_total', 'Orders accepted while the voter breaker was not closed (answered with the outage note)');
  const retryAfterS = retryAfterSeconds(deps.breakerHalfOpenMs);

  const refusals = new RecentRefusals();
  app.use(['/orders', '/inventory'], rateLimit(deps, refusals));

  // The breakers and the limiter as the dashboard shows them; touches no upstream, not limited.
  app.get('/gateway/stats', (_req, res) => {
    const now = Date.now();
    const summary = refusals.summary(now);
    const policy = (limit: LimitClass) => {
      const p = deps.limiter.policy(limit);
      return { rate_per_s: p.ratePerS, burst: p.burst, burst_window_s: p.burstWindowS };
    };
    res.json(
      gatewayStatsResponse.parse({
        instance: deps.instance,
        upstreams: { voter: deps.upstreams.voter.stats(), orders: deps.upstreams.orders.stats() },
        limits: { read: policy('read'), order: policy('order') },
        limited: { window_ms: summary.window_ms, in_window: summary.in_window, total: summary.total },
        recent_limited: summary.latest.map((r) => ({ at: new Date(r.at).toISOString(), client: r.client, limit: r.limit })),
        stale_cache_entries: deps.cache.size,
      }),
    );
  });

  app.get('/inventory/:product_id', async (req, res) => {
    const id = validated(res, productId, req.params.product_id, 'params');
    if (id === undefined) return;
    const outcome = await deps.upstreams.voter.call(callOf(req));
    if (outcome.kind === 'reply' && outcome.reply.status < 500) {
      if (outcome.reply.status === 200) {
        const fresh = stockView.safeParse(parseJson(outcome.reply.body));
        if (fresh.success) deps.cache.remember(fresh.data, Date.now());
      }
      reads.inc({ source: 'fresh' });
      return void sendReply(res, outcome.reply);
    }
    if (outcome.kind === 'unavailable' && outcome.reason === 'bulkhead_full') return void sendUnavailable(res, 'voter', outcome.reason, 1);
    const reason = outcome.kind === 'reply' ? `the voter answered ${outcome.reply.status}` : `voter-svc: ${REASON_TEXT[outcome.reason]}`;
    const fallback = answerWithoutMajority(id, reason, deps.cache.lookup(id, Date.now(), deps.staleMaxMs), deps.staleMaxMs, retryAfterS);
    reads.inc({ source: fallback.kind });
    if (fallback.kind === 'stale') return void res.status(200).set('Age', String(fallback.ageS)).json(fallback.body);
    res.status(503).set('Retry-After', String(fallback.retryAfterS)).json(fallback.body);
  });

  app.post('/orders', async (req, res) => {
    const outcome = await deps.upstreams.orders.call(callOf(req));
    if (outcome.kind === 'unavailable') return void sendUnavailable(res, 'orders', outcome.reason, retryAfterS);
    const noted = outcome.reply.status === 202 ? noteOrderAccepted(parseJson(outcome.reply.body), upstreamOut(deps.upstreams.voter.breakerState())) : undefined;
    if (!noted) return void sendReply(res, outcome.reply);
    outageOrders.inc();
    res.status(202).set(outcome.reply.headers).json(noted);
  });

  const forward = (name: UpstreamName): RequestHandler => async (req, res) => {
    const wait = req.method === 'GET' ? longPoll.parse(req.query.wait) : 0;
    const outcome = await deps.upstreams[name].call({ ...callOf(req), extraMs: wait });
    if (outcome.kind === 'unavailable') return void sendUnavailable(res, name, outcome.reason, retryAfterS);
    sendReply(res, outcome.reply);
  };
  app.all(['/orders', '/orders/*rest'], forward('orders'));
  app.all(['/inventory', '/inventory/*rest'], forward('voter'));
}

/** Counts the request against its client's limit; a refused one is answered 429 here. */
function rateLimit(deps: GatewayDeps, refusals: RecentRefusals): RequestHandler {
  return async (req, res, next) => {
    const who = clientOf(req.get('x-client-id'), req.socket.remoteAddress);
    if (!who.ok) return void res.status(400).json(who.body);
    const limit = limitClassOf(req.method);
    const policy = deps.limiter.policy(limit);
    const answer = await deps.limiter.take(limit, who.client, () => res.destroyed);
    // The client hung up while its check waited: nothing to answer, nothing to forward.
    if (answer === undefined) return;
    res.set(rateLimitHeaders(policy, answer));
    if (!answer.allowed) {
      refusals.record({ at: Date.now(), client: who.client, limit });
      return void res.status(429).json(rateLimitedBody(limit, who.client, policy, answer));
    }
    next();
  };
}

/** The client's request as the upstream gets it: same method, path, query and body. */
function callOf(req: Request): UpstreamCall {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED) {
    const value = req.get(name);
    if (value !== undefined) headers[name] = value;
  }
  // express.json() has parsed a JSON body already (and refused a malformed one exactly as the
  // services do, with the same shared handler); anything else reaches them without a body.
  if (req.body === undefined) return { method: req.method, path: req.originalUrl, headers };
  return { method: req.method, path: req.originalUrl, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(req.body) };
}

function sendReply(res: Response, reply: UpstreamReply): void {
  res.status(reply.status).set(reply.headers).send(reply.body);
}

function sendUnavailable(res: Response, upstream: UpstreamName, reason: Unavailable, retryAfterS: number): void {
  const name = upstream === 'voter' ? 'voter-svc' : 'orders-svc';
  res
    .status(503)
    .set('Retry-After', String(retryAfterS))
    .json(upstreamUnavailableBody.parse({ error: `${name} is unavailable: ${REASON_TEXT[reason]}; retry in ${retryAfterS} s`, upstream, reason, retry_after_s: retryAfterS }));
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
