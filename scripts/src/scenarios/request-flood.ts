import path from 'node:path';
import { GATEWAY_DEFAULTS, createHttpPool } from '@ftlab/shared';
import { maxAdmitted } from '@ftlab/gateway-svc/dist/rate-limit-policy';
import type { Operation } from '../checker/history';
import { RecordingClient, toOperation } from '../checker/recorder';
import { spawnOwned } from '../lib/children';
import { percentilesOf } from '../lib/latency';
import { waitAllOn } from '../lib/replicas-on';
import { viaGateway } from '../lib/via';
import { paceOpenLoop } from '../load';
import { atLeast, atMost, equals } from './expectation';
import { parseFloodOperations, type FloodSettings } from './flood-client';
import { acceptedOrders, waitDecided } from './measure';
import type { DemoContext, Scenario } from './scenario';

/**
 * Seeds 001/002's request flood, at the gateway: one client sends ten times its order limit while
 * a second keeps its normal pace. The flood is refused with 429 beyond the limit; the
 * well-behaved client notices nothing (no 429, its p99 within 2× of its p99 without the flood).
 * The limits are the running gateway's defaults (GATEWAY_ORDER_RATE_PER_S, 20/s).
 *
 * The flooding client is a process of its own (flood-client.ts), as it would be in the world: in
 * the demo's process its answers would delay the calm client's on their shared event loop.
 */

const SECONDS = 15;
const FLOOD_RPS = GATEWAY_DEFAULTS.orderRatePerS * 10;
const CALM_RPS = 20;

/** Sends `rps` requests for SECONDS, open loop; resolves with every operation once answered. */
async function paced(rps: number, send: () => Promise<Operation>): Promise<Operation[]> {
  const sent: Promise<Operation>[] = [];
  await paceOpenLoop({ rps, total: rps * SECONDS, startMs: Date.now(), now: Date.now, dispatch: () => void sent.push(send()) });
  return Promise.all(sent);
}

/** Runs flood-client.js with these settings; resolves with its orders, each with its answer. */
async function floodFromAnotherProcess(settings: FloodSettings): Promise<ReturnType<typeof parseFloodOperations>> {
  const child = spawnOwned(process.execPath, [path.join(__dirname, 'flood-client.js'), JSON.stringify(settings)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  child.stdout!.on('data', (c: Buffer) => chunks.push(c));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`flood client exited with ${code}`);
  return parseFloodOperations(Buffer.concat(chunks).toString('utf8'));
}

const statusOf = (o: Operation) => (o.result.type === 'accepted' ? o.result.status : o.result.type === 'refused' ? o.result.status : o.result.type === 'value' ? 200 : 0);
const p99 = (ops: Operation[]) => percentilesOf(ops.map((o) => o.completeMs - o.invokeMs), [99])?.[99] ?? undefined;

export const requestFlood: Scenario = {
  name: 'request-flood',
  source: 'seeds 001/002: a request flood (issue 15)',
  summary: `one client (its own process) floods orders at ${FLOOD_RPS}/s (10× its limit) through the gateway while another reads at ${CALM_RPS}/s`,
  async run(ctx: DemoContext) {
    const { endpoints, adminToken } = ctx.target;
    await waitAllOn(endpoints, { timeoutMs: 60_000 });
    const pool = createHttpPool(64);
    try {
      // The calm client: a shop's ordinary customer reading stock.
      const calm = new RecordingClient({ pool, timeoutMs: 10_000 }, viaGateway(endpoints), ctx.recorder, adminToken, { 'x-client-id': 'calm-shopper' });
      const quiet = await paced(CALM_RPS, () => calm.read('PROD-001'));
      ctx.fault('inject', 'request-flood', 'gateway');
      const [floodRaw, busy] = await Promise.all([
        floodFromAnotherProcess({ gatewayUrl: endpoints.gateway, rps: FLOOD_RPS, seconds: SECONDS, productId: 'PROD-003', clientId: 'flooder' }),
        paced(CALM_RPS, () => calm.read('PROD-001')),
      ]);
      ctx.fault('clear', 'request-flood', 'gateway');
      ctx.recorder.addAll(floodRaw);
      const flood = floodRaw.map(toOperation);
      const floodCodes = flood.map(statusOf);
      const admitted = floodCodes.filter((c) => c === 202).length;
      const limit = maxAdmitted({ ratePerS: GATEWAY_DEFAULTS.orderRatePerS, burst: GATEWAY_DEFAULTS.orderBurst, burstWindowS: GATEWAY_DEFAULTS.burstWindowS }, SECONDS * 1000);
      const accepted = acceptedOrders(flood);
      const decided = await waitDecided(ctx.pool, accepted, 60_000);
      const quietP99 = p99(quiet);
      const busyP99 = p99(busy);
      ctx.logger.info({ quiet_p99_ms: quietP99, flood_p99_ms: busyP99, admitted, sent: flood.length }, 'calm client p99 without and with the flood');
      return [
        atLeast('flood answered 429 beyond its limit', floodCodes.filter((c) => c === 429).length, flood.length - limit),
        atMost('flood admitted (its allowance over the time)', admitted, limit),
        equals('calm client refused with 429', busy.filter((o) => statusOf(o) === 429).length, 0),
        { what: 'calm client p99 without / with the flood', expected: 'reported', observed: `${quietP99?.toFixed(1) ?? '-'} / ${busyP99?.toFixed(1) ?? '-'} ms`, met: true },
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
