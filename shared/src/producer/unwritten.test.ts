import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unwritten, type PartitionAck } from './unwritten';

const m = (key: string, partition: number) => ({ key, partition });
const partitionOf = (msg: { partition: number }) => msg.partition;
const ack = (topicName: string, partition: number, errorCode = 0): PartitionAck => ({ topicName, partition, errorCode });

test('a send whose every partition is acknowledged leaves nothing to send again', () => {
  const sent = [{ topic: 'a', messages: [m('x', 0), m('y', 1)] }, { topic: 'b', messages: [m('z', 0)] }];
  assert.deepEqual(unwritten(sent, [ack('a', 0), ack('a', 1), ack('b', 0)], partitionOf), []);
});

test('the messages of a partition missing from the answer are sent again, in their order, by topic', () => {
  // What kafkajs resolves with when partition 1 moved to a broker that had already answered.
  const sent = [{ topic: 'a', messages: [m('x1', 1), m('y', 0), m('x2', 1)] }, { topic: 'b', messages: [m('z', 1)] }];
  assert.deepEqual(unwritten(sent, [ack('a', 0), ack('b', 1)], partitionOf), [{ topic: 'a', messages: [m('x1', 1), m('x2', 1)] }]);
});

test('an acknowledgement counts for its own topic only, and only without an error', () => {
  const sent = [{ topic: 'a', messages: [m('x', 0)] }, { topic: 'b', messages: [m('y', 0)] }];
  assert.deepEqual(unwritten(sent, [ack('b', 0), ack('a', 0, 6)], partitionOf), [{ topic: 'a', messages: [m('x', 0)] }]);
});

test('a message never placed in a partition counts as unwritten', () => {
  const sent = [{ topic: 'a', messages: [m('x', 0)] }];
  assert.deepEqual(unwritten(sent, [ack('a', 0)], () => undefined), sent);
});
