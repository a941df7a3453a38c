import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, createRegistry, type ReplicaErrorReport, type ReplicaId } from '@ftlab/shared';
import { VoteCounters } from './stats';
import { Voter } from './voter';

/**
 * The voter over HTTP, against stand-in replicas whose answers each test scripts: what a client
 * is told while replicas lag, stall, die or lie. (The vote itself is specified in vote.test.ts.)
 */

type Scripted = { status: number; available?: number; offset?: number; delayMs?: number };
/** A replica's n-th answer (0-based) to GET /inventory/PROD-001. */
type Script = (n: number) => Scripted;

const servers: Server[] = [];
after(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

async function replica(id: ReplicaId, script: Script): Promise<{ url: string; calls: () => number }> {
  let n = 0;
  const server = createServer((req, res) => {
    const { status, available = 7, offset = 10, delayMs = 0 } = script(n++);
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'application/json' });
      const stock = { product_id: 'PROD-001', available_quantity: available, reserved_quantity: 0, position: { partition: 0, offset } };
      const body = req.url === '/inventory' ? { instance_id: id, products: [stock] } : { instance_id: id, ...stock };
      res.end(JSON.stringify(status === 200 ? body : { error: 'scripted failure' }));
    }, delayMs);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls: () => n };
}

/** A port nobody listens on: calls are refused, as with a crashed replica. */
const DEAD = 'http://127.0.0.1:1';

async function voterOver(urls: Record<ReplicaId, string>, deadlineMs = 1000, timeoutMs = 300) {
  const reports: ReplicaErrorReport[] = [];
  const stats = new VoteCounters();
  const voter = new Voter({
    membership: { replicasToAsk: () => ['1', '2', '3'] },
    urls,
    timeoutMs,
    deadlineMs,
    report: (r) => reports.push(r),
    stats,
    registry: createRegistry('voter-test', 'voter-test'),
    logger: createLogger('voter-test', undefined, 'silent'),
  });
  return { voter, reports, stats };
}

const always = (s: Scripted): Script => () => s;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('replicas caught mid-commit (three values at three positions) are asked again: the client gets the majority, not a 503', async () => {
  // The first answers differ as orders are applied a few ms apart; a moment later all three agree.
  const r1 = await replica('1', (n) => (n === 0 ? { status: 200, available: 7, offset: 10 } : { status: 200, available: 5, offset: 12 }));
  const r2 = await replica('2', (n) => (n === 0 ? { status: 200, available: 6, offset: 11 } : { status: 200, available: 5, offset: 12 }));
  const r3 = await replica('3', always({ status: 200, available: 5, offset: 12 }));
  const { voter, stats } = await voterOver({ 1: r1.url, 2: r2.url, 3: r3.url });
  const out = await voter.readProduct('PROD-001');
  assert.equal(out.status, 200, JSON.stringify(out.body));
  assert.equal(out.body.available_quantity, 5);
  assert.equal(stats.retries, 1);
});

test('two replicas stalled on the first call: asked again, answered when they recover', async () => {
  const r1 = await replica('1', always({ status: 200 }));
  const stalledOnce: Script = (n) => (n === 0 ? { status: 200, delayMs: 400 } : { status: 200 });
  const r2 = await replica('2', stalledOnce);
  const r3 = await replica('3', stalledOnce);
  const { voter, stats, reports } = await voterOver({ 1: r1.url, 2: r2.url, 3: r3.url });
  const out = await voter.readProduct('PROD-001');
  assert.equal(out.status, 200, JSON.stringify(out.body));
  assert.equal(stats.retries, 1);
  await wait(50);
  const stalled = reports.filter((r) => r.instance_id !== '1').map((r) => [r.instance_id, r.cause]);
  assert.deepEqual(stalled.sort(), [['2', 'timeout'], ['3', 'timeout']], 'the timeouts are still reported as hints');
});

test('two replicas down: 503 naming who answered what, within the read deadline', async () => {
  const r1 = await replica('1', always({ status: 200 }));
  const { voter, stats, reports } = await voterOver({ 1: r1.url, 2: DEAD, 3: DEAD }, 300);
  const started = performance.now();
  const out = await voter.readProduct('PROD-001');
  const took = performance.now() - started;
  assert.equal(out.status, 503);
  assert.match(String(out.body.error), /no quorum: .*2: error ECONNREFUSED.*3: error ECONNREFUSED/);
  assert.ok(stats.retries >= 1, 'it tried again before giving up');
  // Within the deadline plus one round; the margin is for a busy host, a missing deadline would hang for seconds.
  assert.ok(took < 300 + 1500, `answered within the deadline plus one round, took ${took} ms`);
  assert.equal(r1.calls(), stats.retries + 1, 'one call per round');
  await wait(50);
  // Replica 1 may be reported too, as a timeout, when a busy host delays its answer past the round's deadline.
  const causes = new Set(reports.filter((r) => r.instance_id !== '1').map((r) => `${r.instance_id}:${r.cause}`));
  assert.deepEqual([...causes].sort(), ['2:crash', '3:crash'], 'a refused call is reported as the crash the HTTP client classified');
});

test('a replica answering 500 is reported as an HTTP error, not a crash', async () => {
  const r1 = await replica('1', always({ status: 200 }));
  const r2 = await replica('2', always({ status: 200 }));
  const r3 = await replica('3', always({ status: 500 }));
  const { voter, reports } = await voterOver({ 1: r1.url, 2: r2.url, 3: r3.url });
  assert.equal((await voter.readProduct('PROD-001')).status, 200);
  await wait(50);
  // Only replica 3's report is the point: a healthy replica may be reported as a timeout on a busy host.
  assert.deepEqual(reports.filter((r) => r.instance_id === '3').map((r) => r.cause), ['http_error']);
});

test('a liar that answers last is still checked after the client got the majority, and reported', async () => {
  const r1 = await replica('1', always({ status: 200, available: 999, delayMs: 30 }));
  const r2 = await replica('2', always({ status: 200 }));
  const r3 = await replica('3', always({ status: 200 }));
  const { voter, reports } = await voterOver({ 1: r1.url, 2: r2.url, 3: r3.url });
  const out = await voter.readProduct('PROD-001');
  assert.equal(out.status, 200);
  assert.equal(out.body.available_quantity, 7, 'the client sees the majority, never the liar');
  await wait(100);
  assert.deepEqual(reports.map((r) => [r.instance_id, r.cause]), [['1', 'incorrect_response']]);
});

test('whole-stock reads are asked again the same way', async () => {
  const r1 = await replica('1', (n) => (n === 0 ? { status: 200, available: 7, offset: 10 } : { status: 200, available: 5, offset: 12 }));
  const r2 = await replica('2', (n) => (n === 0 ? { status: 500 } : { status: 200, available: 5, offset: 12 }));
  const r3 = await replica('3', always({ status: 200, available: 5, offset: 12 }));
  const { voter, stats } = await voterOver({ 1: r1.url, 2: r2.url, 3: r3.url });
  const out = await voter.readAll();
  assert.equal(out.status, 200, JSON.stringify(out.body));
  assert.deepEqual((out.body.products as { available_quantity: number }[]).map((p) => p.available_quantity), [5]);
  assert.equal(stats.retries, 1);
});

test('a replica still silent well after its peers answered is reported at once, long before the round times out', async () => {
  const r1 = await replica('1', always({ status: 200 }));
  const r2 = await replica('2', always({ status: 200 }));
  const r3 = await replica('3', always({ status: 200, delayMs: 3000 }));
  // A 3 s round: the straggler report must come from the peers' latency, not from the deadline.
  const { voter, reports } = await voterOver({ 1: r1.url, 2: r2.url, 3: r3.url }, 1000, 3000);
  const started = performance.now();
  assert.equal((await voter.readProduct('PROD-001')).status, 200, 'the client has its majority without waiting');
  while (!reports.some((r) => r.instance_id === '3') && performance.now() - started < 2500) await wait(5);
  const took = performance.now() - started;
  const report = reports.find((r) => r.instance_id === '3');
  assert.equal(report?.cause, 'timeout', `replica 3 reported before its 3 s call ended (${took.toFixed(0)} ms)`);
  assert.match(report.detail, /still silent \d+ ms after its peers answered/);
});
