import { test } from 'node:test';
import assert from 'node:assert/strict';
import './kafkajs-idle-fix';

// The real kafkajs class, as every service's Kafka client uses it once the fix is loaded.
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (opts: object) => {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  scheduleCheckPendingRequests(): void;
};

const silent = { namespace: () => silent, debug() {}, info() {}, warn() {}, error() {} };
const queue = () =>
  new RequestQueue({ instrumentationEmitter: null, maxInFlightRequests: 1, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 't', broker: 'b', logger: silent });

test('an idle, unthrottled queue arms no timer (kafkajs 2.2.4 re-armed one every millisecond)', () => {
  const q = queue();
  q.scheduleCheckPendingRequests();
  assert.equal(q.throttleCheckTimeoutId, null);
});

test('a queue with a pending request is checked again after 10 ms', () => {
  const q = queue();
  q.pending.push({});
  q.scheduleCheckPendingRequests();
  assert.ok(q.throttleCheckTimeoutId, 'a check is scheduled');
  clearTimeout(q.throttleCheckTimeoutId!);
});

test('a throttled queue is checked when the throttle ends, even with nothing pending', () => {
  const q = queue();
  q.throttledUntil = Date.now() + 200;
  q.scheduleCheckPendingRequests();
  assert.ok(q.throttleCheckTimeoutId);
  clearTimeout(q.throttleCheckTimeoutId!);
});
