import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dbClock, offPeriods, type AuditRow } from './audit';

const at = (ms: number) => new Date(ms);
function row(instance_id: string, detected: number, resolved: number | null): AuditRow {
  return {
    id: detected,
    instance_id,
    cause: 'timeout',
    fault_id: null,
    injected_at: null,
    cleared_at: null,
    started_at: at(detected - 100),
    detected_at: at(detected),
    resolved_at: resolved === null ? null : at(resolved),
    ttd_ms: 100,
    ttr_ms: resolved === null ? null : resolved - detected + 100,
  };
}

test('dbClock converts both ways with the measured offset', () => {
  const clock = dbClock(250, 1);
  assert.equal(clock.toLocal(at(10_250)), 10_000);
  assert.equal(clock.toDb(10_000).getTime(), 10_250);
});

describe('offPeriods', () => {
  const identity = { toLocal: (d: Date) => d.getTime() };

  test('one entry per replica, in replica order, OFF from detection to resolution', () => {
    const periods = offPeriods([row('2', 1000, 3000)], [], identity, 0, 10_000);
    assert.deepEqual(periods, [
      { instance_id: '1', off: [] },
      { instance_id: '2', off: [{ start: 1000, end: 3000 }] },
      { instance_id: '3', off: [] },
    ]);
  });

  test('an open row lasts until the end; periods are clipped to the run and merged when they overlap', () => {
    const periods = offPeriods([row('1', -500, 200), row('1', 4000, 6000), row('1', 5500, 7000), row('1', 9000, null)], [], identity, 0, 10_000);
    assert.deepEqual(periods[0]!.off, [
      { start: 0, end: 200 },
      { start: 4000, end: 7000 },
      { start: 9000, end: 10_000 },
    ]);
  });

  test('a replica OFF without an open audit row is OFF since its status changed', () => {
    const statuses = [
      { instance_id: '3', status: 'OFF', since: at(8000) },
      { instance_id: '2', status: 'ON', since: at(100) },
    ];
    const periods = offPeriods([], statuses, identity, 0, 10_000);
    assert.deepEqual(periods[2]!.off, [{ start: 8000, end: 10_000 }]);
    assert.deepEqual(periods[1]!.off, []);
  });

  test('database times are moved onto the local clock', () => {
    const periods = offPeriods([row('1', 5000, 6000)], [], dbClock(1000, 0), 0, 10_000);
    assert.deepEqual(periods[0]!.off, [{ start: 4000, end: 5000 }]);
  });
});
