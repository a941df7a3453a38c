import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readiness } from './readiness';

test('before its consumer runs a replica is starting, not ready', () => {
  assert.deepEqual(readiness(false, null, 200), { ok: false, status: 'starting', lag: null });
});

test('a running consumer whose lag is not known yet is still catching up', () => {
  assert.deepEqual(readiness(true, null, 200), { ok: false, status: 'catching_up', lag: null });
});

test('more messages waiting than the threshold: catching up, with the lag in the answer', () => {
  assert.deepEqual(readiness(true, 201, 200), { ok: false, status: 'catching_up', lag: 201 });
});

test('at or below the threshold: ready', () => {
  assert.deepEqual(readiness(true, 200, 200), { ok: true, status: 'ready', lag: 200 });
  assert.deepEqual(readiness(true, 0, 0), { ok: true, status: 'ready', lag: 0 });
});
