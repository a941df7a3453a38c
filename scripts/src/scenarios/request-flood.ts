import { GATEWAY_DEFAULTS, createHttpPool } from '@ftlab/shared';
import type { Operation } from '../checker/history';
import { RecordingClient } from '../checker/recorder';
import { percentilesOf } from '../lib/latency';
import { waitAllOn } from '../lib/replicas-on';
import { paceOpenLoop } from '../load';
import { atLeast, atMost, equals } from './expectation';
import { acceptedOrders, waitDecided } from './measure';
import type { DemoContext, Scenario } from './scenario';

/**
 * Seeds 001/002's request flood, at the gateway: one client sends ten times its order limit while
 * a second keeps its normal pace. The flood is refused with 429 beyond the limit; the
 * well-behaved client notices nothing (no 429, its p99 within 2× of its p99 without the flood).
 * The limits are the running gateway's defaults (GATEWAY_ORDER_RATE_PER_S, 20/s).
 */

const SECONDS = 10;
const FLOOD_RPS = GATEWAY_DEFAULTS.orderRatePerS * 10;
const CALM_RPS = 10;

/** Sends `rps` requests for SECONDS, open loop; resolves with every operation once answered. */
async function paced(rps: number, send: () => Promise<Operation>): Promise<Operation[]> {
  const sent: Promise<Operation>[] = [];
  await paceOpenLoop({ rps, total: rps * SECONDS, startMs: Date.now(), now: Date.now, dispatch: () => void sent.push(send()) });
  return Promise.all(sent);
}

const statusOf = (o: Operation) => (o.result.type === 'accepted' ? o.result.status : o.result.type === 'refused' ? o.result.status : o.result.type === 'value' ? 200 : 0);
const p99 = (ops: Operation[]) => percentilesOf(ops.map((o) => o.completeMs - o.invokeMs), [99])?.[99] ?? undefined;

/** The calm client: reads and a few orders, as a shop's ordinary customer. */
function calmClient(ctx: DemoContext, pool: ReturnType<typeof createHttpPool>): RecordingClient {
  const { endpoints, adminToken } = ctx.target;
  return new RecordingClient({ pool, timeoutMs: 10_000 }, { ...endpoints, orders: endpoints.gateway, voter: endpoints.gateway }, ctx.recorder, adminToken, { 'x-client-id': 'calm-shopper' });
}

export const requestFlood: Scenario = {
  name: 'request-flood',
  source: 'seeds 001/002: a request flood (issue 15)',
  summary: `one client floods orders at ${FLOOD_RPS}/s (10× its limit) through the gateway while another reads at ${CALM_RPS}/s`,
  async run(ctx) {
    const { endpoints, adminToken } = ctx.target;
    await waitAllOn(endpoints, { timeoutMs: 60_000 });
    const pool = createHttpPool(256);
    try {
      const calm = calmClient(ctx, pool);
      const flooder = new RecordingClient({ pool, timeoutMs: 10_000 }, { ...endpoints, orders: endpoints.gateway }, ctx.recorder, adminToken, { 'x-client-id': 'flooder' });
      const quiet = await paced(CALM_RPS, () => calm.read('PROD-001'));
      ctx.fault('inject', 'request-flood', 'gateway');
      const [flood, busy] = await Promise.all([paced(FLOOD_RPS, () => flooder.placeOrder('PROD-003', 1)), paced(CALM_RPS, () => calm.read('PROD-001'))]);
      ctx.fault('clear', 'request-flood', 'gateway');
      const floodCodes = flood.map(statusOf);
      const admitted = floodCodes.filter((c) => c === 202).length;
      const limit = GATEWAY_DEFAULTS.orderRatePerS * SECONDS + GATEWAY_DEFAULTS.orderBurst;
      const accepted = acceptedOrders(flood);
      const decided = await waitDecided(ctx.pool, accepted, 60_000);
      const quietP99 = p99(quiet);
      const busyP99 = p99(busy);
      return [
        atLeast('flood answered 429 beyond its limit', floodCodes.filter((c) => c === 429).length, flood.length - limit),
        atMost('flood admitted (limit × time + burst)', admitted, Math.ceil(limit * 1.1)),
        equals('calm client refused with 429', busy.filter((o) => statusOf(o) === 429).length, 0),
        atMost('calm client p99 with the flood, × its p99 without', quietP99 && busyP99 ? busyP99 / quietP99 : undefined, 2),
        equals('answers 5xx', [...flood, ...busy].filter((o) => statusOf(o) >= 500).length, 0),
        equals('admitted orders decided', decided.decided, accepted.length),
        equals('every replica ON after', await waitAllOn(endpoints, { timeoutMs: 10_000 }).then(() => true, () => false), true),
      ];
    } finally {
      await pool.close();
    }
  },
};
