import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Endpoints } from '@ftlab/shared';
import { runLoad } from './run-load';

/**
 * runLoad against a local server whose behaviour each test sets: the properties that make the
 * numbers honest (open loop, latency from the due time, bounded in-flight) checked end to end.
 */

let handler: (req: http.IncomingMessage, res: http.ServerResponse) => void = () => undefined;
let inFlight = 0;
let peakInFlight = 0;
let server: http.Server;
let endpoints: Endpoints;

before(async () => {
  server = http.createServer((req, res) => {
    inFlight += 1;
    peakInFlight = Math.max(peakInFlight, inFlight);
    res.on('close', () => (inFlight -= 1));
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  endpoints = { orders: url, voter: url, monitor: url, monitor2: url, control: url, gateway: url, inventory: { '1': url, '2': url, '3': url } };
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const json = (res: http.ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const stock = (agreed: boolean) => ({ product_id: 'PROD-001', available_quantity: 10, reserved_quantity: 0, quorum: { agreed } });

describe('runLoad', () => {
  test('open loop: a slow server does not slow the sending down', async () => {
    peakInFlight = 0;
    handler = (_req, res) => setTimeout(() => json(res, 200, stock(true)), 300);
    const report = await runLoad({ mode: 'query_inventory', rps: 100, durationS: 1, products: ['PROD-001'], endpoints });
    assert.equal(report.totals.scheduled, 100);
    assert.equal(report.totals.ok, 100);
    // A closed loop would have one request open at a time and need 30 s for 100 of them.
    assert.ok(peakInFlight >= 15, `peak concurrency at the server was ${peakInFlight}`);
    assert.ok(report.totals.latency_ms.p50_ms! >= 295, `p50 ${report.totals.latency_ms.p50_ms}`);
    assert.equal(report.totals.reads?.quorum_rate, 1);
    assert.equal(report.samples.length, 100);
    assert.deepEqual(report.samples.map((s) => s.i), Array.from({ length: 100 }, (_, i) => i));
  });

  test('latency counts from the due time: a stalled generator is not hidden (coordinated omission)', async () => {
    handler = (_req, res) => json(res, 200, stock(true));
    // Freeze this process for 300 ms shortly after the start: requests due meanwhile go out late.
    setTimeout(() => {
      const until = Date.now() + 300;
      while (Date.now() < until);
    }, 50);
    const report = await runLoad({ mode: 'query_inventory', rps: 200, durationS: 0.6, products: ['PROD-001'], endpoints });
    const stalled = report.samples.find((s) => s.i === 20)!; // due at 100 ms, sent after 350 ms
    assert.ok(stalled.latencyMs! >= 200, `request due during the stall reported ${stalled.latencyMs} ms`);
    assert.ok(report.dispatch_lag_ms.max_ms! >= 200, 'the generator reports its own lag');
  });

  test('in-flight requests are bounded; the excess is dropped and counted', async () => {
    handler = (_req, res) => setTimeout(() => json(res, 200, stock(true)), 3000);
    const report = await runLoad({ mode: 'query_inventory', rps: 100, durationS: 0.5, products: ['PROD-001'], endpoints, maxInFlight: 5 });
    assert.equal(report.totals.scheduled, 50);
    assert.equal(report.totals.sent, 5);
    assert.equal(report.totals.dropped, 45);
    assert.equal(report.totals.status_codes.dropped, 45);
    assert.equal(report.totals.success_rate, 0.1);
  });

  test('mixed: orders and reads in the asked share, quorum rate over the 200s, failures by status', async () => {
    let reads = 0;
    handler = (req, res) => {
      if (req.method === 'POST') {
        req.resume();
        return json(res, 202, { order_id: '00000000-0000-4000-8000-000000000001', status: 'PENDING' });
      }
      reads += 1;
      if (reads % 10 === 0) return json(res, 503, { error: 'no quorum', quorum: { agreed: false } });
      json(res, 200, stock(reads % 2 === 0));
    };
    const report = await runLoad({ mode: 'mixed', rps: 300, durationS: 1, products: ['PROD-001', 'PROD-002'], endpoints, orderShare: 0.2 });
    assert.equal(report.by_kind.order?.scheduled, 60);
    assert.equal(report.by_kind.read?.scheduled, 240);
    assert.equal(report.by_kind.read?.status_codes['503'], 24);
    const r = report.by_kind.read!.reads!;
    assert.equal(r.answered_200, 216);
    assert.ok(r.quorum_rate! > 0.4 && r.quorum_rate! < 0.6, `quorum rate ${r.quorum_rate}`);
    const orders = report.samples.filter((s) => s.kind === 'order');
    assert.ok(orders.every((s) => s.orderId === '00000000-0000-4000-8000-000000000001'));
    assert.deepEqual([...new Set(orders.map((s) => s.productId))].sort(), ['PROD-001', 'PROD-002'], 'orders spread over the products');
  });

  test('settings are validated', async () => {
    await assert.rejects(runLoad({ mode: 'query_inventory', rps: 0, durationS: 1, products: ['PROD-001'], endpoints }), /rps/);
    await assert.rejects(runLoad({ mode: 'query_inventory', rps: 1, durationS: 1, products: [], endpoints }), /at least one product/);
  });
});
