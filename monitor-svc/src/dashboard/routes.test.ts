import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { closeServer, createApp, createLogger, createRegistry, finishApp, listen, REPLICA_IDS, sampleFailureRecord, type GatewayStatsResponse, type PaymentStatsResponse, type ReplicaId, type VotingStatsResponse } from '@ftlab/shared';
import { DEFAULT_DETECTOR_CONFIG, initialDetectorState } from '../detector';
import { ReplicaWatcher } from '../watcher';
import { RETRY_MS } from './sse';
import { dashboardRoutes, type DashboardDeps } from './routes';
import type { Snapshot } from './state';

/**
 * The dashboard's server side over real HTTP, without a database or the other services: watchers
 * that never probe, a stub audit store, and a stand-in HTTP server playing voter, gateway,
 * payment-svc and a replica's /admin/faults, recording what it was sent.
 */

const logger = createLogger('dashboard-test', undefined, 'silent');
const unusedPort = async () => {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
};

const votingStats: VotingStatsResponse = {
  requests_total: 10,
  quorum_achieved: 9,
  quorum_failed: 1,
  not_found: 0,
  quorum_rate: 0.9,
  disagreements: 2,
  retries: 0,
  outliers: { '1': 0, '2': 2, '3': 0 },
  lagging: { '1': 0, '2': 0, '3': 1 },
  failures: { '1': 0, '2': 0, '3': 0 },
  latency_ms: { window_s: 10, count: 10, p50: 1.5, p95: 4, p99: 9, max: 9 },
  membership: {},
};

const gatewayStats: GatewayStatsResponse = {
  instance: 'gateway-1',
  upstreams: {
    voter: { breaker: 'open', breaker_opens: 2, in_flight: 0, queued: 0, max_in_flight: 32 },
    orders: { breaker: 'closed', breaker_opens: 0, in_flight: 3, queued: 0, max_in_flight: 64 },
  },
  limits: { read: { rate_per_s: 100, burst: 200, burst_window_s: 10 }, order: { rate_per_s: 20, burst: 40, burst_window_s: 10 } },
  limited: { window_ms: 60_000, in_window: { read: 0, order: 12 }, total: { read: 0, order: 40 } },
  recent_limited: [{ at: '2025-01-01T00:00:00.000Z', client: 'id:flooder', limit: 'order' }],
  stale_cache_entries: 3,
};

const paymentStats: PaymentStatsResponse = { breaker: 'half_open', breaker_opens: 3, deadline_ms: 15_000, charging: 4, to_check: 1 };

let voterAnswer: () => { status: number; body: unknown } = () => ({ status: 200, body: votingStats });
const forwarded: { url: string; authorization: string | undefined; body: unknown }[] = [];
let standIn: http.Server;
let standInUrl: string;

let base: string;
let failuresFail = false;
/** Every dashboard started here, stopped after the tests. */
const running: { close: () => Promise<void> }[] = [];
const reportsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftlab-dashboard-unit-'));

const FAILURE = sampleFailureRecord();

before(async () => {
  standIn = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/voting-stats') {
        const a = voterAnswer();
        if (a.status === 0) return; // hang: never answer
        return reply(a.status, a.body);
      }
      if (req.url === '/gateway/stats') return reply(200, gatewayStats);
      if (req.url === '/payments/stats') return reply(200, paymentStats);
      if (req.url === '/admin/faults') {
        forwarded.push({ url: req.url, authorization: req.headers.authorization, body: JSON.parse(raw) });
        return reply(req.headers.authorization === 'Bearer right-token' ? 201 : 401, req.headers.authorization === 'Bearer right-token' ? { fault_id: 7 } : { error: 'missing or wrong admin token' });
      }
      reply(404, { error: 'no' });
    });
  });
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  standInUrl = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`;

  base = await startDashboard();
});

/** A dashboard on its own server; returns its base URL. */
async function startDashboard(opts: Pick<DashboardDeps, 'statusFeed' | 'tickMs'> = {}): Promise<string> {
  const watchers = REPLICA_IDS.map((id) => new ReplicaWatcher(id, `http://replica-${id}.invalid`, initialDetectorState(id === '3' ? 'OFF' : 'ON'), DEFAULT_DETECTOR_CONFIG, { probed: () => undefined, transitioned: async () => undefined }));
  // Replica 3's address does not answer.
  const inventory: Record<ReplicaId, string> = { '1': standInUrl, '2': standInUrl, '3': `http://127.0.0.1:${await unusedPort()}` };
  const app = createApp({ registry: createRegistry('t', 't'), health: () => ({ ok: true }) });
  const dashboard = dashboardRoutes(app, {
    watchers,
    since: new Map([['1', new Date('2025-01-01T00:00:00Z')]]),
    store: { failures: async () => (failuresFail ? Promise.reject(new Error('connection refused')) : [FAILURE]) },
    // orders and notification-svc: nobody listens there.
    endpoints: {
      voter: standInUrl,
      orders: `http://127.0.0.1:${await unusedPort()}`,
      gateway: standInUrl,
      payment: standInUrl,
      notification: `http://127.0.0.1:${await unusedPort()}`,
      inventory,
    },
    // Nobody listens there either: the LISTEN connection retries quietly until closed.
    databaseUrl: `postgres://postgres@127.0.0.1:${await unusedPort()}/none`,
    reportsDir,
    logger,
    ...opts,
  });
  finishApp(app, logger);
  const server = await listen(app, 0, '127.0.0.1');
  running.push({ close: async () => (await dashboard.close(), await closeServer(server)) });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

after(async () => {
  for (const r of running) await r.close();
  standIn.close();
  fs.rmSync(reportsDir, { recursive: true, force: true });
});

/** Reads the event stream until `done` says so (by default: `count` snapshots arrived). */
async function readSnapshots(
  count: number,
  done = (snapshots: Snapshot[]) => snapshots.length >= count,
  opts: { url?: string; onSnapshot?: (n: number) => void } = {},
): Promise<{ raw: string; snapshots: Snapshot[]; headers: Headers }> {
  const controller = new AbortController();
  const res = await fetch(`${opts.url ?? base}/dashboard/events`, { signal: controller.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let raw = '';
  const snapshots: Snapshot[] = [];
  const deadline = setTimeout(() => controller.abort(), 10_000);
  try {
    while (!done(snapshots)) {
      const chunk = await reader.read();
      if (chunk.done) break;
      const value = chunk.value;
      raw += decoder.decode(value, { stream: true });
      const before = snapshots.length;
      snapshots.splice(0, snapshots.length, ...[...raw.matchAll(/^event: snapshot\ndata: (.*)\n\n/gm)].map((m) => JSON.parse(m[1]!) as Snapshot));
      if (snapshots.length > before) opts.onSnapshot?.(snapshots.length);
    }
  } finally {
    clearTimeout(deadline);
    controller.abort();
  }
  return { raw, snapshots, headers: res.headers };
}

describe('GET /dashboard/events', () => {
  test('an event stream that says how to reconnect, a snapshot at once, then one per tick', async () => {
    voterAnswer = () => ({ status: 200, body: votingStats });
    failuresFail = false;
    const started = Date.now();
    const { raw, snapshots, headers } = await readSnapshots(2);
    assert.match(headers.get('content-type') ?? '', /^text\/event-stream/);
    assert.equal(headers.get('cache-control'), 'no-cache, no-transform');
    assert.ok(raw.startsWith(`retry: ${RETRY_MS}\n\n`), raw.slice(0, 40));
    assert.equal(snapshots.length, 2);
    assert.ok(Date.now() - started < 5000);

    const [snap] = snapshots;
    assert.deepEqual(snap!.replicas.map((r) => [r.instance_id, r.status, r.since]), [
      ['1', 'ON', '2025-01-01T00:00:00.000Z'],
      ['2', 'ON', null],
      ['3', 'OFF', null],
    ]);
    assert.equal(snap!.voter.available && snap!.voter.value.quorum_rate, 0.9);
    assert.deepEqual(snap!.voter.available && snap!.voter.value.outliers, { '1': 0, '2': 2, '3': 0 });
    assert.equal(snap!.failures.available && snap!.failures.value[0]!.fault_type, 'latency');
    assert.deepEqual(snap!.report, { available: false });
    assert.equal(snap!.monitor.pid, process.pid);
    // orders-svc is not listening: its part says so, the rest is there.
    assert.equal(snap!.orders.available, false);
    assert.match(!snap!.orders.available ? snap!.orders.error : '', /orders\/stats: ECONNREFUSED/);
    assert.ok(snapshots[1]!.latency_history.some((s) => s.p99 === 9), 'the tick records the voter percentiles');
    assert.deepEqual(snap!.gateway, { available: true, value: gatewayStats }, "the gateway's breakers and limiter, as it says them");
    assert.deepEqual(snap!.payments, { available: true, value: paymentStats }, "payment-svc's breaker and charges, for the saga panel");
    assert.match(!snap!.notifications.available ? snap!.notifications.error : '', /notifications\/stats: ECONNREFUSED/, 'notification-svc down: its part says so');
  });

  test('a voter that answers nonsense, errors or hangs, and a failing audit query, are parts marked unavailable', async () => {
    const cases: [() => { status: number; body: unknown }, RegExp][] = [
      [() => ({ status: 200, body: { requests_total: 'many' } }), /unexpected answer \(requests_total: /],
      [() => ({ status: 503, body: {} }), /HTTP 503/],
      [() => ({ status: 0, body: null }), /no answer within 700 ms/],
    ];
    failuresFail = true;
    for (const [answer, error] of cases) {
      voterAnswer = answer;
      // Earlier snapshots may carry figures fetched before the voter changed; a later tick refetches.
      const { snapshots } = await readSnapshots(0, (got) => got.some((snap) => !snap.voter.available && error.test(snap.voter.error)));
      const snap = snapshots.find((s) => !s.voter.available)!;
      assert.ok(snap, `no snapshot with the voter unavailable (${error})`);
      assert.equal(snap.replicas.length, 3, 'replicas are still shown');
      assert.deepEqual(snap.failures, { available: false, error: 'failure audit: connection refused' });
      assert.equal(snap.latency_history.at(-1)!.p50, null, 'an unknown latency is a gap, not 0');
    }
    failuresFail = false;
  });
});

describe('status changes are pushed at once, not at the next tick', () => {
  test('a change, an unreadable notification and a reconnect of the feed each push a snapshot', async () => {
    let emit: (payload: string) => void = () => undefined;
    let missed: () => void = () => undefined;
    // Ticks an hour apart: every snapshot after the first one here is a push.
    const url = await startDashboard({
      tickMs: 3_600_000,
      statusFeed: (onChange, onMissed) => ((emit = onChange), (missed = onMissed), { close: async () => undefined }),
    });
    const since = '2030-01-01T00:00:00.000Z';
    const { snapshots } = await readSnapshots(4, undefined, {
      url,
      onSnapshot: (n) => {
        if (n === 1) emit(JSON.stringify({ instance_id: '2', status: 'ON', cause: null, since }));
        if (n === 2) emit('not json');
        if (n === 3) missed();
      },
    });
    assert.equal(snapshots.length, 4);
    assert.equal(snapshots[0]!.replicas[1]!.since, null);
    // The notification's since is newer than what the watchers' map holds, so it is shown.
    assert.equal(snapshots[1]!.replicas[1]!.since, since);
    assert.equal(snapshots[3]!.replicas[1]!.since, since);
  });
});

describe('POST /dashboard/faults/:instance', () => {
  const post = (instance: string, body: unknown, authorization?: string) =>
    fetch(`${base}/dashboard/faults/${instance}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    });

  test('forwards a valid fault with the caller\'s token, and relays the replica\'s answer', async () => {
    forwarded.length = 0;
    const res = await post('1', { type: 'latency', latency_ms: 250 }, 'Bearer right-token');
    assert.equal(res.status, 201);
    assert.deepEqual(await res.json(), { fault_id: 7 });
    assert.deepEqual(forwarded, [{ url: '/admin/faults', authorization: 'Bearer right-token', body: { type: 'latency', latency_ms: 250 } }]);

    const refused = await post('2', { type: 'clear' }, 'Bearer wrong');
    assert.equal(refused.status, 401);
    assert.match(((await refused.json()) as { error: string }).error, /wrong admin token/);
  });

  test('refuses before forwarding: unknown replica, invalid body, no token', async () => {
    forwarded.length = 0;
    const cases: [Response, number, string][] = [
      [await post('4', { type: 'clear' }, 'Bearer right-token'), 400, 'params'],
      [await post('..%2F1', { type: 'clear' }, 'Bearer right-token'), 400, 'params'],
      [await post('1', { type: 'explode' }, 'Bearer right-token'), 400, 'type'],
      [await post('1', { type: 'intermittent', probability: 2 }, 'Bearer right-token'), 400, 'probability'],
      [await post('1', { type: 'clear', extra: 1 }, 'Bearer right-token'), 400, 'extra'],
      [await post('1', { type: 'clear' }), 401, 'authorization'],
    ];
    for (const [res, status, field] of cases) {
      assert.equal(res.status, status);
      assert.equal(((await res.json()) as { field: string }).field, field);
    }
    assert.deepEqual(forwarded, [], 'nothing reached a replica');
  });

  test('an unreachable replica is a 502 naming it', async () => {
    const res = await post('3', { type: 'clear' }, 'Bearer right-token');
    assert.equal(res.status, 502);
    assert.match(((await res.json()) as { error: string }).error, /^cannot reach inventory-3 at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/);
  });
});

describe('page and report files', () => {
  test('the page and its two assets, with a no-inline-script policy; nothing else under /dashboard/assets', async () => {
    for (const [url, type] of [
      ['/dashboard', /^text\/html/],
      ['/dashboard/assets/dashboard.js', /^text\/javascript/],
      ['/dashboard/assets/dashboard.css', /^text\/css/],
    ] as const) {
      const res = await fetch(`${base}${url}`);
      assert.equal(res.status, 200, url);
      assert.match(res.headers.get('content-type') ?? '', type);
      assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self';/);
    }
    for (const url of ['/dashboard/assets/dashboard.html', '/dashboard/assets/..%2Fpackage.json', '/dashboard/assets/%2e%2e/%2e%2e/package.json', '/dashboard/report/report.md']) {
      assert.equal((await fetch(`${base}${url}`)).status, 404, url);
    }
  });

  test('the report appears when the experiment writes it', async () => {
    assert.equal((await fetch(`${base}/dashboard/report`)).status, 404);
    fs.mkdirSync(path.join(reportsDir, 'latest'));
    fs.writeFileSync(path.join(reportsDir, 'latest', 'report.md'), '# Run\n\n![timeline](timeline.svg)\n');
    const res = await fetch(`${base}/dashboard/report`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<h1>Run<\/h1>\n<p><img src="\/dashboard\/report\/timeline\.svg" alt="timeline"><\/p>/);
    const { snapshots } = await readSnapshots(1);
    assert.equal(snapshots[0]!.report.available, true);
  });
});
