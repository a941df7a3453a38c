import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialLeaseState, nextLeaseState, seeksLease, servesReads, type LeaseState } from './fencing';

const holder = { holder: 'pid 41 port 5001', epoch: 7, taken_at: '2026-12-03T15:00:00.000Z' };
const held: LeaseState = { kind: 'held', epoch: 7, since: '2026-12-03T15:00:00.000Z' };

test('a process that has not taken the lease applies nothing and answers no read', () => {
  assert.equal(servesReads(initialLeaseState), false);
  assert.equal(seeksLease(initialLeaseState), true);
});

test('a second copy finds the lease held by the first: fenced, naming who holds it and since when', () => {
  const s = nextLeaseState(initialLeaseState, { type: 'held_elsewhere', holder });
  assert.deepEqual(s, { kind: 'fenced', holder, reason: 'held by pid 41 port 5001 since 2026-12-03T15:00:00.000Z (epoch 7)' });
  assert.equal(servesReads(s), false);
  assert.equal(seeksLease(s), true, 'it keeps trying, so it takes over if the first dies');
});

test('taking the lease makes the process the consumer, under the new epoch', () => {
  const fenced = nextLeaseState(initialLeaseState, { type: 'held_elsewhere', holder });
  const s = nextLeaseState(fenced, { type: 'taken', epoch: 8, at: 't' });
  assert.deepEqual(s, { kind: 'held', epoch: 8, since: 't' });
  assert.equal(seeksLease(s), false, 'only a process without the lease keeps trying');
});

test('a dropped lock connection makes the process seek the lease again, while reads go on from the committed state', () => {
  const s = nextLeaseState(held, { type: 'connection_lost', reason: 'terminated' });
  assert.deepEqual(s, { kind: 'reacquiring', epoch: 7, reason: 'terminated' });
  assert.equal(servesReads(s), true);
  assert.equal(seeksLease(s), true);
});

test('found held elsewhere while reacquiring, or superseded by a commit: fenced, no more reads', () => {
  const reacquiring = nextLeaseState(held, { type: 'connection_lost', reason: 'x' });
  assert.equal(nextLeaseState(reacquiring, { type: 'held_elsewhere', holder }).kind, 'fenced');
  const superseded = nextLeaseState(held, { type: 'superseded', reason: 'epoch moved' });
  assert.deepEqual(superseded, { kind: 'fenced', holder: null, reason: 'epoch moved' });
  assert.equal(servesReads(superseded), false);
});

test('an unreachable database changes nothing we knew, except the reason while still seeking', () => {
  assert.deepEqual(nextLeaseState(initialLeaseState, { type: 'unreachable', reason: 'ECONNREFUSED' }), { kind: 'seeking', reason: 'ECONNREFUSED' });
  const fenced = nextLeaseState(initialLeaseState, { type: 'held_elsewhere', holder });
  assert.deepEqual(nextLeaseState(fenced, { type: 'unreachable', reason: 'x' }), fenced);
  const reacquiring = nextLeaseState(held, { type: 'connection_lost', reason: 'x' });
  assert.deepEqual(nextLeaseState(reacquiring, { type: 'unreachable', reason: 'y' }), reacquiring);
});

test('losses that do not apply to the current state are ignored', () => {
  assert.deepEqual(nextLeaseState(initialLeaseState, { type: 'connection_lost', reason: 'x' }), initialLeaseState);
  assert.deepEqual(nextLeaseState(initialLeaseState, { type: 'superseded', reason: 'x' }), initialLeaseState);
});
