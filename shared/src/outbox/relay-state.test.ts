import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BATCH, DELETE_EVERY_MS, RelayState, RETRY_MS, SWEEP_MS, type OutboxRow, type RelayStep } from './relay-state';

/** A clock reading far from zero, as Date.now() is: the first delete is due at once. */
const T = 1_000_000;
const row = (id: number): OutboxRow => ({ id: String(id), topic: 'order-events', key: 'PROD-001', value: `{"n":${id}}` });
const rows = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => row(from + k));
const ids = (step: RelayStep) => (step.kind === 'send' ? step.rows.map((r) => r.id) : step.kind === 'delete' ? step.ids : []);

/** A relay past its start: the table was read empty, nothing is queued or waiting to be deleted. */
function drained(now = T): RelayState {
  const s = new RelayState();
  assert.ok(s.wake());
  assert.deepEqual(s.next(now), { kind: 'sweep', olderThanMs: 0, limit: BATCH });
  s.swept([], BATCH, now);
  assert.deepEqual(s.next(now), { kind: 'rest', delayMs: SWEEP_MS });
  return s;
}

test('at start the relay recovers: it reads the whole table in id order and refuses rows handed over meanwhile', () => {
  const s = new RelayState();
  assert.equal(s.handOver([row(9)]), false, 'the table has them: queueing now would overtake older rows');
  assert.ok(s.wake());
  assert.deepEqual(s.next(T), { kind: 'sweep', olderThanMs: 0, limit: BATCH });
  assert.equal(s.swept(rows(1, 3), BATCH, T + 5), 3);
  assert.equal(s.handOver([row(9)]), false, 'still recovering until the sent batch is through');
  const send = s.next(T + 5);
  assert.deepEqual(ids(send), ['1', '2', '3']);
  s.sent(rows(1, 3));
  assert.deepEqual(ids(s.next(T + 6)), ['1', '2', '3'], 'deletes are due: none has been made for over 100 ms');
  s.deleted(['1', '2', '3'], T + 7);
  assert.deepEqual(s.next(T + 7), { kind: 'rest', delayMs: SWEEP_MS });
  assert.equal(s.handOver([row(9)]), true, 'drained: the fast path is open');
});

test('a full read keeps the relay recovering and reading in the same run, until a read comes back short', () => {
  const s = new RelayState();
  s.wake();
  s.next(T);
  s.swept(rows(1, BATCH), BATCH, T);
  assert.equal(ids(s.next(T)).length, BATCH);
  s.sent(rows(1, BATCH));
  assert.equal(s.next(T).kind, 'delete', 'a full batch of published rows is deleted at once');
  s.deleted(rows(1, BATCH).map((r) => r.id), T);
  assert.deepEqual(s.next(T), { kind: 'sweep', olderThanMs: 0, limit: BATCH }, 'another round, still from the table');
  assert.equal(s.handOver([row(5000)]), false);
  s.swept([row(BATCH + 1)], BATCH, T + 1);
  assert.deepEqual(ids(s.next(T + 1)), [String(BATCH + 1)]);
  s.sent([row(BATCH + 1)]);
  assert.deepEqual(s.next(T + 2), { kind: 'rest', delayMs: DELETE_EVERY_MS }, 'the delete is not due yet: come back for it shortly');
  assert.equal(s.handOver([row(5000)]), true);
});

test('fast path: handed-over rows are sent at once, without reading the table before the sweep is due', () => {
  const s = drained(T);
  assert.ok(s.handOver([row(1), row(2)]));
  assert.equal(s.backlog, 2);
  assert.ok(s.wake());
  assert.deepEqual(ids(s.next(T + 10)), ['1', '2']);
  s.sent([row(1), row(2)]);
  assert.equal(s.backlog, 0);
  assert.deepEqual(s.next(T + 11), { kind: 'delete', ids: ['1', '2'] });
});

test('published rows are deleted together, at most every 100 ms, unless a full batch is waiting', () => {
  const s = drained(T);
  const publish = (id: number, now: number) => {
    s.handOver([row(id)]);
    s.wake();
    assert.deepEqual(ids(s.next(now)), [String(id)]);
    s.sent([row(id)]);
  };
  publish(1, T + 200);
  assert.deepEqual(s.next(T + 200), { kind: 'delete', ids: ['1'] });
  s.deleted(['1'], T + 200);
  assert.deepEqual(s.next(T + 200), { kind: 'rest', delayMs: SWEEP_MS });
  publish(2, T + 250);
  assert.deepEqual(s.next(T + 250), { kind: 'rest', delayMs: DELETE_EVERY_MS }, 'within 100 ms of the last delete: wait');
  publish(3, T + 280);
  assert.deepEqual(s.next(T + 280), { kind: 'rest', delayMs: DELETE_EVERY_MS });
  s.wake();
  assert.deepEqual(s.next(T + 300), { kind: 'delete', ids: ['2', '3'] }, 'one statement for both');
});

test('the table is read once a second for rows older than a second; known and published rows are not queued again', () => {
  const s = drained(T);
  s.handOver([row(1)]);
  s.wake();
  s.next(T + 40);
  s.sent([row(1)]);
  assert.deepEqual(s.next(T + 50), { kind: 'delete', ids: ['1'] });
  s.deleted(['1'], T + 50);
  s.next(T + 50);
  s.handOver([row(2), row(3)]);
  s.wake();
  assert.deepEqual(ids(s.next(T + 100)), ['2', '3']);
  s.sent([row(2), row(3)]);
  assert.deepEqual(s.next(T + 100), { kind: 'rest', delayMs: DELETE_EVERY_MS }, '50 ms after the last delete: not yet');
  s.handOver([row(4)]);
  s.wake();
  assert.deepEqual(s.next(T + SWEEP_MS), { kind: 'sweep', olderThanMs: SWEEP_MS, limit: BATCH }, 'a second after the last read');
  assert.equal(s.swept(rows(2, 5), BATCH, T + SWEEP_MS), 1, 'only 5 is new: 2 and 3 are published, 4 is queued');
  assert.deepEqual(ids(s.next(T + SWEEP_MS)), ['4', '5']);
});

test('being woken during a run makes it do another round before resting', () => {
  const s = drained(T);
  s.handOver([row(1)]);
  assert.ok(s.wake());
  assert.equal(s.wake(), false, 'already running');
  s.next(T + 500);
  s.sent([row(1)]);
  assert.deepEqual(s.next(T + 500), { kind: 'delete', ids: ['1'] });
  s.deleted(['1'], T + 500);
  assert.equal(s.next(T + 500).kind, 'rest', 'the second round finds nothing to do');
  assert.ok(s.wake(), 'rested: the next wake starts a run');
});

test('a failed send drops the queue and recovers from the table in id order', () => {
  const s = drained(T);
  s.handOver([row(1), row(2)]);
  s.wake();
  assert.deepEqual(ids(s.next(T + 10)), ['1', '2']);
  assert.equal(s.failed(), RETRY_MS, 'Kafka away: retry shortly');
  assert.equal(s.backlog, 0);
  assert.equal(s.handOver([row(3)]), false, 'recovering again: the table has 3, behind 1 and 2');
  assert.ok(s.wake());
  assert.deepEqual(s.next(T + 300), { kind: 'sweep', olderThanMs: 0, limit: BATCH });
  assert.equal(s.swept(rows(1, 3), BATCH, T + 300), 3);
  assert.deepEqual(ids(s.next(T + 300)), ['1', '2', '3']);
});

test('rows Kafka acknowledged before a failed delete are not sent again, only deleted', () => {
  const s = drained(T);
  s.handOver([row(1), row(2)]);
  s.wake();
  s.next(T + 10);
  s.sent([row(1), row(2)]);
  assert.deepEqual(s.next(T + 10), { kind: 'delete', ids: ['1', '2'] });
  s.failed(); // the database went away
  s.wake();
  assert.deepEqual(s.next(T + 300), { kind: 'sweep', olderThanMs: 0, limit: BATCH });
  assert.equal(s.swept(rows(1, 3), BATCH, T + 300), 1);
  assert.deepEqual(ids(s.next(T + 300)), ['3']);
  s.sent([row(3)]);
  assert.deepEqual(s.next(T + 300), { kind: 'delete', ids: ['1', '2', '3'] });
});

test('stopped: nothing is taken over, no new run starts, and a run in progress ends after its round', () => {
  const s = drained(T);
  s.handOver([row(1)]);
  s.wake();
  s.wake(); // another round asked for
  s.stop();
  assert.deepEqual(ids(s.next(T + 5)), ['1']);
  s.sent([row(1)]);
  assert.equal(s.next(T + 5).kind, 'delete');
  s.deleted(['1'], T + 5);
  assert.equal(s.next(T + 5).kind, 'rest');
  assert.equal(s.handOver([row(2)]), false);
  assert.equal(s.wake(), false);
});
