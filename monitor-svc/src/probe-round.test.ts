import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DETECTOR_CONFIG as C } from './detector';
import { NO_HOST_DELAY } from './host-contention';
import { hostContended, LATE_WAKE_MS, roundDeadline, roundStep, type ProbeRound } from './probe-round';

const round = (sent: number): ProbeRound => ({ startedAt: 1000, timeoutMs: 200, sent });

test('an unanswered probe sends hedges at hedgeAfterMs and every hedgeIntervalMs after, up to maxRequestsPerProbe', () => {
  assert.deepEqual(roundStep(round(1), 1000, 0, NO_HOST_DELAY, C), { action: 'wait', hedge: false, wakeAt: 1000 + C.hedgeAfterMs });
  assert.deepEqual(roundStep(round(1), 1000 + C.hedgeAfterMs, 0, NO_HOST_DELAY, C), {
    action: 'wait',
    hedge: true,
    wakeAt: 1000 + C.hedgeAfterMs + C.hedgeIntervalMs,
  });
  const last = roundStep(round(C.maxRequestsPerProbe - 1), 1000 + C.hedgeAfterMs + (C.maxRequestsPerProbe - 2) * C.hedgeIntervalMs, 0, NO_HOST_DELAY, C);
  assert.deepEqual(last, { action: 'wait', hedge: true, wakeAt: 1200 }, 'the last hedge, then wait for the deadline');
  assert.deepEqual(roundStep(round(C.maxRequestsPerProbe), 1150, 0, NO_HOST_DELAY, C), { action: 'wait', hedge: false, wakeAt: 1200 });
});

test('at the timeout every request sent is an overdue probe', () => {
  assert.deepEqual(roundStep(round(3), 1200, 0, NO_HOST_DELAY, C), { action: 'give-up', unanswered: 3, contended: false });
  assert.deepEqual(roundStep(round(1), 1200, 0, NO_HOST_DELAY, { ...C, maxRequestsPerProbe: 1 }), { action: 'give-up', unanswered: 1, contended: false });
});

test('a probe given up while the monitor itself was stalled is contended; a slow peer alone is not', () => {
  assert.equal(hostContended({ monitorLagMs: LATE_WAKE_MS + 1, fastestPeerMs: 0 }, C), true);
  assert.equal(hostContended({ monitorLagMs: LATE_WAKE_MS, fastestPeerMs: 0 }, C), false, 'timer drift of a few ms is noise');
  assert.equal(hostContended({ monitorLagMs: 0, fastestPeerMs: 150 }, C), false, 'a peer may be slow for its own reasons');
  assert.equal(hostContended({ monitorLagMs: 100, fastestPeerMs: 0 }, { ...C, hostDelayFactor: 0 }), false, 'blind to the host');
  const stalled = { monitorLagMs: 30, fastestPeerMs: 0 };
  assert.deepEqual(roundStep(round(3), 1300, 0, stalled, C), { action: 'give-up', unanswered: 3, contended: true });
});

test('the deadline stretches with the host: hostDelayFactor × the best peer’s latency, plus the monitor’s own stall, capped', () => {
  assert.equal(roundDeadline(round(3), NO_HOST_DELAY, C), 1200);
  assert.equal(roundDeadline(round(3), { monitorLagMs: 0, fastestPeerMs: 20 }, C), 1200, 'a fast peer leaves the timeout alone');
  assert.equal(roundDeadline(round(3), { monitorLagMs: 0, fastestPeerMs: 300 }, C), 1000 + C.hostDelayFactor * 300);
  assert.equal(roundDeadline(round(3), { monitorLagMs: 20, fastestPeerMs: 0 }, C), 1220, 'the monitor did not look for 20 ms');
  assert.equal(roundDeadline(round(3), { monitorLagMs: 400, fastestPeerMs: 0 }, C), 1000 + C.hostDelayFactor * 400);
  assert.equal(roundDeadline(round(3), { monitorLagMs: 0, fastestPeerMs: 60_000 }, C), 1000 + C.maxProbeWaitMs, 'a frozen host still convicts, later');
  assert.equal(roundDeadline(round(1), { monitorLagMs: 400, fastestPeerMs: 400 }, { ...C, hostDelayFactor: 0 }), 1200, 'factor 0: the rule before, blind to the host');
});

test('a wake-up that is late at the deadline looks once more after the waiting I/O instead of giving up', () => {
  const stalled = { monitorLagMs: 30, fastestPeerMs: 0 }; // deadline 1230
  assert.deepEqual(roundStep(round(3), 1350, 150, stalled, C), { action: 'wait', hedge: false, wakeAt: 1350 });
  assert.deepEqual(roundStep(round(3), 1350, LATE_WAKE_MS, stalled, C), { action: 'give-up', unanswered: 3, contended: true });
});
