import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialDetectorState } from './detector';
import { initialLeadership, observeLease, reconcileTransition, recordingDecision, shouldDepose, type Lease } from './leadership';

const lease = (leader: string, term: number): Lease => ({ leader, term, since: new Date(0) });
const config = { pollMs: 100, staleAfterMs: 1000, deposeAfterMs: 3000 };

test('a follower that takes the lock leads, and records under its term', () => {
  const step = observeLease(initialLeadership(), { type: 'acquired', lease: lease('monitor-2', 7), at: 1000 });
  assert.equal(step.change, 'became-leader');
  assert.deepEqual(recordingDecision(step.state, 1050, config), { action: 'record', term: 7 });
});

test('a follower leaves its transitions to the leader it sees', () => {
  const step = observeLease(initialLeadership(), { type: 'held-elsewhere', lease: lease('monitor-1', 3) });
  assert.equal(step.change, undefined);
  assert.deepEqual(step.state, { role: 'follower', lease: lease('monitor-1', 3) });
  assert.deepEqual(recordingDecision(step.state, 0, config), { action: 'leave-to-leader' });
});

test('a leader whose lock connection drops stops recording at once', () => {
  const leading = observeLease(initialLeadership(), { type: 'acquired', lease: lease('monitor-1', 4), at: 0 }).state;
  const step = observeLease(leading, { type: 'lost' });
  assert.equal(step.change, 'stepped-down');
  assert.deepEqual(recordingDecision(step.state, 10, config), { action: 'leave-to-leader' });
  // It still names the last leader it knew until it learns another.
  assert.deepEqual(step.state, { role: 'follower', lease: lease('monitor-1', 4) });
});

test('a leader whose lock has gone unconfirmed too long holds its writes back, and records again once confirmed', () => {
  const leading = observeLease(initialLeadership(), { type: 'acquired', lease: lease('monitor-1', 4), at: 0 }).state;
  assert.deepEqual(recordingDecision(leading, 1000, config), { action: 'record', term: 4 });
  assert.deepEqual(recordingDecision(leading, 1001, config), { action: 'wait' }, 'its connection may be gone without an error yet');
  const confirmed = observeLease(leading, { type: 'confirmed', at: 1500 });
  assert.equal(confirmed.change, undefined);
  assert.deepEqual(recordingDecision(confirmed.state, 1600, config), { action: 'record', term: 4 });
});

test('a confirmation reaching a follower does not make it lead', () => {
  const step = observeLease(initialLeadership(), { type: 'confirmed', at: 5 });
  assert.equal(step.state.role, 'follower');
});

test('taking the lock again after losing it is a new term', () => {
  let state = observeLease(initialLeadership(), { type: 'acquired', lease: lease('monitor-1', 1), at: 0 }).state;
  state = observeLease(state, { type: 'lost' }).state;
  const again = observeLease(state, { type: 'acquired', lease: lease('monitor-1', 3), at: 500 });
  assert.equal(again.change, 'became-leader', 'so it reconciles what it may have missed meanwhile');
  assert.deepEqual(recordingDecision(again.state, 600, config), { action: 'record', term: 3 });
});

test('on taking the lead, a replica this monitor saw fail but the database has ON is recorded OFF', () => {
  const local = { ...initialDetectorState('OFF'), offCause: 'crash' as const };
  assert.deepEqual(reconcileTransition(local, 'ON'), { to: 'OFF', cause: 'crash' });
  assert.deepEqual(reconcileTransition(local, undefined), { to: 'OFF', cause: 'crash' }, 'no row yet: the first OFF');
});

test('on taking the lead, a replica this monitor sees ON but the database has OFF is recorded ON', () => {
  assert.deepEqual(reconcileTransition(initialDetectorState('ON'), 'OFF'), { to: 'ON', cause: 'recovered' });
  assert.deepEqual(reconcileTransition(initialDetectorState('ON'), undefined), { to: 'ON', cause: 'recovered' });
});

test('on taking the lead, agreement, or a replica never seen at all, records nothing', () => {
  assert.equal(reconcileTransition(initialDetectorState('ON'), 'ON'), undefined);
  assert.equal(reconcileTransition({ ...initialDetectorState('OFF'), offCause: 'timeout' }, 'OFF'), undefined);
  // Started with no record and not yet seen healthy: OFF by default, which is no evidence of a failure.
  assert.equal(reconcileTransition(initialDetectorState('OFF'), 'ON'), undefined);
  assert.equal(reconcileTransition(initialDetectorState('OFF'), undefined), undefined);
});

test('a leader silent on its lock connection well past its confirmations is deposed; a slow one is not', () => {
  assert.equal(shouldDepose(null, config), false, 'nobody holds the lock: just take it');
  assert.equal(shouldDepose(150, config), false);
  assert.equal(shouldDepose(2999, config), false, 'slow, and already not recording after staleAfterMs');
  assert.equal(shouldDepose(3001, config), true, 'frozen: its connection is ended and the lock taken');
});
