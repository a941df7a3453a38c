import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HostEvidence } from './host-contention';

/** A request to `replica` sent at `sentAt` and answered `latencyMs` later (never, if null). */
function request(e: HostEvidence, replica: string, sentAt: number, latencyMs: number | null): void {
  const r = e.sent(replica, sentAt);
  if (latencyMs !== null) e.answered(r, sentAt + latencyMs);
}

test('the host delay is the FASTEST peer’s worst latency: one slow or frozen peer does not excuse the subject', () => {
  const e = new HostEvidence(5000);
  request(e, 'a', 1000, 400); // the subject itself: never its own excuse
  request(e, 'b', 1000, 300);
  request(e, 'b', 1200, 5);
  request(e, 'c', 1010, 20);
  request(e, 'c', 1210, null); // still pending at 1300: 90 ms so far
  assert.deepEqual(e.delay('a', 900, 1300), { monitorLagMs: 0, fastestPeerMs: 90 });
  // b's 300 ms answer is its worst; c's pending request keeps ageing until c is slower than b.
  assert.deepEqual(e.delay('a', 900, 1600), { monitorLagMs: 0, fastestPeerMs: 300 });
});

test('every peer slow in the same window is the host’s delay; only requests overlapping the window count', () => {
  const e = new HostEvidence(5000);
  request(e, 'b', 1000, 450);
  request(e, 'c', 1000, 500);
  assert.equal(e.delay('a', 900, 1600).fastestPeerMs, 450);
  request(e, 'b', 1700, 1);
  assert.equal(e.delay('a', 1510, 1800).fastestPeerMs, 1);
});

test('a discarded request (an error, a refused connection) is no evidence either way', () => {
  const e = new HostEvidence(5000);
  request(e, 'b', 1000, 450);
  const refused = e.sent('c', 1000);
  e.discard(refused);
  assert.equal(e.delay('a', 900, 1600).fastestPeerMs, 450, 'a crashed peer does not make the host look fast');
});

test('the monitor’s own lag is its worst timer delay in the window; tiny drifts are noise', () => {
  const e = new HostEvidence(5000);
  e.lag(1000, 0.4);
  e.lag(1100, 250);
  e.lag(1300, 30);
  assert.equal(e.delay('a', 900, 1400).monitorLagMs, 250);
  assert.equal(e.delay('a', 1200, 1400).monitorLagMs, 30);
  assert.equal(e.delay('a', 1400, 1500).monitorLagMs, 0);
});

test('without peers or lag the host has no delay, and old evidence is forgotten', () => {
  const e = new HostEvidence(1000);
  assert.deepEqual(e.delay('a', 0, 100), { monitorLagMs: 0, fastestPeerMs: 0 });
  request(e, 'b', 0, 700);
  e.lag(10, 500);
  request(e, 'b', 5000, 2);
  e.lag(5000, 2);
  assert.deepEqual(e.delay('a', 0, 5000), { monitorLagMs: 2, fastestPeerMs: 2 }, 'evidence older than keepMs was dropped');
});

test('a peer is ready when it answered ready since the given time; the subject itself never counts', () => {
  const e = new HostEvidence(5000);
  assert.equal(e.peerReadySince('r1', 0), false, 'no answer yet: nobody is ready');
  e.ready('r1', 100);
  assert.equal(e.peerReadySince('r1', 0), false, 'its own readiness is not a peer’s');
  e.ready('r2', 200);
  assert.equal(e.peerReadySince('r1', 150), true);
  assert.equal(e.peerReadySince('r1', 250), false, 'a peer ready only before the window does not count');
  e.ready('r2', 120);
  assert.equal(e.peerReadySince('r1', 150), true, 'an older answer read late does not move the time back');
});
