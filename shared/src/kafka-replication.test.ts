import { test } from 'node:test';
import assert from 'node:assert/strict';
import { majorityOf, topicReplication } from './kafka-replication';

test('one broker: one copy, one in sync', () => {
  assert.deepEqual(topicReplication(1), { replicationFactor: 1, minInsyncReplicas: 1 });
});

test('three brokers: three copies, two in sync (one broker may be down without losing writes)', () => {
  assert.deepEqual(topicReplication(3), { replicationFactor: 3, minInsyncReplicas: 2 });
});

test('more brokers than three still keep three copies by default', () => {
  assert.deepEqual(topicReplication(7), { replicationFactor: 3, minInsyncReplicas: 2 });
});

test('two brokers: both copies must be in sync (a majority of two is two)', () => {
  assert.deepEqual(topicReplication(2), { replicationFactor: 2, minInsyncReplicas: 2 });
});

test('configured values win over the derived ones', () => {
  assert.deepEqual(topicReplication(5, { replicationFactor: 5 }), { replicationFactor: 5, minInsyncReplicas: 3 });
  assert.deepEqual(topicReplication(3, { minInsyncReplicas: 1 }), { replicationFactor: 3, minInsyncReplicas: 1 });
});

test('a configuration no write could satisfy is refused with the variable named', () => {
  assert.throws(() => topicReplication(3, { replicationFactor: 2, minInsyncReplicas: 3 }), /KAFKA_MIN_INSYNC_REPLICAS/);
  assert.throws(() => topicReplication(1, { replicationFactor: 3 }), /KAFKA_REPLICATION_FACTOR \(3\).*1 broker/);
});

test('majorities', () => {
  assert.deepEqual([1, 2, 3, 4, 5].map(majorityOf), [1, 2, 2, 3, 3]);
});
