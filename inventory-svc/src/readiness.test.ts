import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LeaseState } from '@ftlab/shared';
import { DRAIN_MAX_MS, DRAIN_SETTLE_MS, NO_DRAIN, nextDrain, readiness } from './readiness';

const held: LeaseState = { kind: 'held', epoch: 3, since: 't' };
const reachable = (lag: number | null) => ({ lag, unreachableForMs: null });

test('before its consumer runs a replica is starting, not ready', () => {
  assert.deepEqual(readiness(held, false, reachable(null), 200), { ok: false, status: 'starting', lag: null, log: 'reachable', lease: { state: 'held', epoch: 3 } });
  assert.equal(readiness({ kind: 'seeking', reason: null }, false, reachable(null), 200).status, 'starting');
});

test('a running consumer whose lag is not known yet is still catching up', () => {
  assert.deepEqual(readiness(held, true, reachable(null), 200), { ok: false, status: 'catching_up', lag: null, log: 'reachable', lease: { state: 'held', epoch: 3 } });
});

test('more messages waiting than the threshold: catching up, with the lag in the answer', () => {
  assert.equal(readiness(held, true, reachable(201), 200).status, 'catching_up');
  assert.equal(readiness(held, true, reachable(201), 200).lag, 201);
});

test('at or below the threshold: ready', () => {
  assert.equal(readiness(held, true, reachable(200), 200).ok, true);
  assert.equal(readiness(held, true, reachable(0), 0).status, 'ready');
});

test('a second copy is fenced: not ready, naming who holds the replica and why', () => {
  const fenced: LeaseState = {
    kind: 'fenced',
    holder: { holder: 'pid 41 port 5001', epoch: 7, taken_at: 't' },
    reason: 'held by pid 41 port 5001 since t (epoch 7)',
  };
  assert.deepEqual(readiness(fenced, false, reachable(null), 200), {
    ok: false,
    status: 'fenced',
    lag: null,
    log: 'reachable',
    lease: { state: 'fenced', holder: 'pid 41 port 5001', epoch: 7, reason: 'held by pid 41 port 5001 since t (epoch 7)' },
  });
  // Even a copy that was running before it was superseded answers nothing as the replica.
  assert.equal(readiness({ kind: 'fenced', holder: null, reason: 'epoch moved' }, true, reachable(0), 200).ok, false);
});

test('a caught-up replica that lost the broker stays ready, saying the log is unreachable and for how long', () => {
  assert.deepEqual(readiness(held, true, { lag: 3, unreachableForMs: 54_012.4 }, 200), {
    ok: true,
    status: 'ready',
    lag: 3,
    log: 'unreachable',
    log_unreachable_ms: 54_012,
    lease: { state: 'held', epoch: 3 },
  });
});

test('a replica that was behind when the broker went away stays catching up', () => {
  const r = readiness(held, true, { lag: 5000, unreachableForMs: 10_000 }, 200);
  assert.equal(r.ok, false);
  assert.equal(r.status, 'catching_up');
  assert.equal(r.log, 'unreachable');
});

test('a replica re-taking its lease after its lock connection dropped keeps answering from its committed state', () => {
  const r = readiness({ kind: 'reacquiring', epoch: 3, reason: 'lock connection lost' }, true, reachable(0), 200);
  assert.equal(r.ok, true);
  assert.deepEqual(r.lease, { state: 'reacquiring', epoch: 3, reason: 'lock connection lost' });
});

test('a replica ready when the broker went away stays ready while it drains the backlog the outage built, then as usual', () => {
  const away = { lag: 10, unreachableForMs: 30_000 };
  const back = (lag: number) => ({ lag, unreachableForMs: null });
  let drain = nextDrain(NO_DRAIN, true, away, 200, 0);
  assert.equal(drain.kind, 'log_away');
  drain = nextDrain(drain, true, back(450), 200, 1000);
  assert.deepEqual(readiness(held, true, back(450), 200, drain.kind !== 'none'), { ok: true, status: 'ready', lag: 450, log: 'reachable', draining: true, lease: { state: 'held', epoch: 3 } });
  drain = nextDrain(drain, true, back(120), 200, 1000 + DRAIN_SETTLE_MS);
  assert.equal(drain.kind, 'none', 'caught up: the usual rule again');
  assert.equal(readiness(held, true, back(450), 200, false).status, 'catching_up');
});

test('caught up right after the broker returns is not the end of the drain: the backlog reaches the log a moment later', () => {
  const back = (lag: number) => ({ lag, unreachableForMs: null });
  let drain = nextDrain(nextDrain(NO_DRAIN, true, { lag: 0, unreachableForMs: 30_000 }, 200, 0), true, back(0), 200, 100);
  drain = nextDrain(drain, true, back(0), 200, 1100);
  assert.equal(drain.kind, 'draining', 'caught up with a log the outbox has not refilled yet');
  drain = nextDrain(drain, true, back(600), 200, 2100);
  assert.equal(readiness(held, true, back(600), 200, drain.kind !== 'none').ok, true, 'the backlog arrived: still draining, still ready');
});

test('a drain that never catches up ends after DRAIN_MAX_MS: a replica still that far behind is judged as usual', () => {
  const back = { lag: 5000, unreachableForMs: null };
  let drain = nextDrain(nextDrain(NO_DRAIN, true, { lag: 0, unreachableForMs: 30_000 }, 200, 0), true, back, 200, 0);
  drain = nextDrain(drain, true, back, 200, DRAIN_MAX_MS);
  assert.equal(drain.kind, 'draining');
  drain = nextDrain(drain, true, back, 200, DRAIN_MAX_MS + 1);
  assert.equal(drain.kind, 'none');
});

test('a replica behind when the broker went away does not drain its way to ready', () => {
  const drain = nextDrain(NO_DRAIN, false, { lag: 900, unreachableForMs: 30_000 }, 200, 0);
  assert.equal(drain.kind, 'none');
  assert.equal(readiness(held, true, { lag: 950, unreachableForMs: null }, 200, false).status, 'catching_up');
});
